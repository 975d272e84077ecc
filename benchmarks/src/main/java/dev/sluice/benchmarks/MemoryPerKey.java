package dev.sluice.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.MemoryRateLimitStore;
import dev.sluice.ratelimit.OnMissingKey;
import dev.sluice.ratelimit.RateLimitRule;

import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Heap held by the memory store per live key (a per-IP rule with one limit, keys shaped
 * like the filter's {@code ip:a.b.c.d}), at 100,000 and 1,000,000 keys, and the heap
 * after a flood of 1,000,000 fresh keys against {@code max-keys: 100000}. Used heap after
 * a full GC, before and after; the key strings count (the store holds them).
 * <p>
 * {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.MemoryPerKey}
 */
public final class MemoryPerKey {

	private static final Limit LIMIT = new Limit(100, 100, Duration.ofMinutes(1));

	private MemoryPerKey() {
	}

	public static void main(String[] args) throws InterruptedException {
		RateLimitRule rule = new RateLimitRule("per-ip", List.of(PathPatternParser.defaultInstance.parse("/**")),
				Set.of(), "ip:", (request) -> request.getRemoteAddr(), OnMissingKey.IP, List.of(LIMIT));
		for (int keys : new int[] { 100_000, 1_000_000 }) {
			long before = usedAfterGc();
			MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), keys);
			fill(store, rule, 0, keys);
			long after = usedAfterGc();
			System.out.printf("%,d live keys (max-keys %,d): %,d keys held, %.1f MB, %d bytes per key%n", keys, keys,
					store.keyCount(rule).orElse(-1), (after - before) / 1e6, (after - before) / keys);
			store = null;
		}
		long before = usedAfterGc();
		MemoryRateLimitStore store = new MemoryRateLimitStore(List.of(rule), 100_000);
		fill(store, rule, 0, 100_000);
		long full = usedAfterGc();
		fill(store, rule, 100_000, 1_000_000);
		long flooded = usedAfterGc();
		System.out.printf(
				"flood of 1,000,000 fresh keys, max-keys 100,000: %,d keys held; heap %.1f MB at 100,000 keys,"
						+ " %.1f MB after the flood%n",
				store.keyCount(rule).orElse(-1), (full - before) / 1e6, (flooded - before) / 1e6);
	}

	private static void fill(MemoryRateLimitStore store, RateLimitRule rule, int from, int count) {
		for (int i = from; i < from + count; i++) {
			store.tryConsume(rule, "ip:10." + ((i >> 16) & 0xFF) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF));
		}
	}

	private static long usedAfterGc() throws InterruptedException {
		MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
		for (int i = 0; i < 3; i++) {
			System.gc();
			Thread.sleep(100);
		}
		return memory.getHeapMemoryUsage().getUsed();
	}

}
