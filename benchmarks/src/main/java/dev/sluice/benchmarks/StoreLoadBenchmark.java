package dev.sluice.benchmarks;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.MemoryRateLimitStore;
import dev.sluice.ratelimit.OnMissingKey;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimitStore;
import dev.sluice.ratelimit.RateLimitStoreException;
import dev.sluice.ratelimit.RedisRateLimitStore;
import io.lettuce.core.RedisURI;

import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Decisions per second and p50 / p99 latency of each store (memory; Redis by script;
 * Redis by Bucket4j's compare-and-swap, the store before issue 14) at 1, 8 and 64
 * threads, on one hot key and on 10,000 keys, with the default 100 ms Redis timeout; a
 * decision slower than that is a store error and counted. Every decision takes a token
 * (the capacity is never reached), so each is a write.
 * <p>
 * {@code java -cp benchmarks/target/benchmarks.jar dev.sluice.benchmarks.StoreLoadBenchmark [seconds]}
 */
public final class StoreLoadBenchmark {

	private static final int[] THREADS = { 1, 8, 64 };

	private static final int[] KEYS = { 1, 10_000 };

	private StoreLoadBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		long seconds = (args.length > 0) ? Long.parseLong(args[0]) : 5;
		List<String> stores = (args.length > 1) ? Arrays.asList(args[1].split(","))
				: List.of("memory", "redis-script", "redis-cas");
		RateLimitRule rule = new RateLimitRule("load", List.of(PathPatternParser.defaultInstance.parse("/**")),
				Set.of(), "", (request) -> "k", OnMissingKey.IP,
				List.of(new Limit(1_000_000_000L, 1_000_000_000L, Duration.ofSeconds(1))));
		System.out.printf(Locale.ROOT, "%-13s %6s %7s %12s %9s %9s %8s%n", "store", "keys", "threads", "decisions/s",
				"p50 µs", "p99 µs", "errors");
		for (String name : stores) {
			for (int keys : KEYS) {
				for (int threads : THREADS) {
					RateLimitStore store = store(name, rule);
					try {
						run(store, rule, keys, threads, Duration.ofSeconds(1)); // warm-up
						Result result = run(store, rule, keys, threads, Duration.ofSeconds(seconds));
						System.out.printf(Locale.ROOT, "%-13s %6d %7d %12.0f %9.1f %9.1f %8d%n", name, keys, threads,
								result.perSecond, result.p50Micros, result.p99Micros, result.errors);
					}
					finally {
						if (store instanceof AutoCloseable closeable) {
							closeable.close();
						}
					}
				}
			}
		}
	}

	private static RateLimitStore store(String name, RateLimitRule rule) throws InterruptedException {
		String prefix = "sluice:bench:" + UUID.randomUUID() + ":";
		RedisURI uri = RedisURI.create("redis://127.0.0.1:6379");
		Duration timeout = Duration.ofMillis(100);
		RateLimitStore store = switch (name) {
			case "memory" -> new MemoryRateLimitStore(List.of(rule), 100_000);
			case "redis-script" -> new RedisRateLimitStore(uri, List.of(rule), prefix, timeout);
			case "redis-cas" -> new CasRedisRateLimitStore(uri, List.of(rule), prefix, timeout);
			default -> throw new IllegalArgumentException("Unknown store " + name);
		};
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!store.isAvailable() && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		return store;
	}

	private static Result run(RateLimitStore store, RateLimitRule rule, int keyCount, int threads, Duration duration)
			throws InterruptedException {
		String[] keys = new String[keyCount];
		for (int i = 0; i < keyCount; i++) {
			keys[i] = "key-" + i;
		}
		long[][] samples = new long[threads][];
		int[] counts = new int[threads];
		long[] errors = new long[threads];
		CountDownLatch go = new CountDownLatch(1);
		long[] window = new long[2];
		List<Thread> started = new ArrayList<>();
		for (int t = 0; t < threads; t++) {
			int index = t;
			Thread thread = new Thread(() -> {
				long[] mine = new long[1 << 16];
				int count = 0;
				int next = index * 7919;
				try {
					go.await();
				}
				catch (InterruptedException ex) {
					return;
				}
				long end = window[1];
				while (true) {
					long start = System.nanoTime();
					if (start - end >= 0) {
						break;
					}
					try {
						store.tryConsume(rule, keys[next++ % keyCount]);
					}
					catch (RateLimitStoreException ex) {
						errors[index]++;
					}
					long took = System.nanoTime() - start;
					if (count == mine.length) {
						mine = Arrays.copyOf(mine, count * 2);
					}
					mine[count++] = took;
				}
				samples[index] = mine;
				counts[index] = count;
			}, "store-load-" + t);
			thread.start();
			started.add(thread);
		}
		window[0] = System.nanoTime();
		window[1] = window[0] + duration.toNanos();
		go.countDown();
		for (Thread thread : started) {
			thread.join();
		}
		int total = Arrays.stream(counts).sum();
		long[] all = new long[total];
		int at = 0;
		for (int t = 0; t < threads; t++) {
			System.arraycopy(samples[t], 0, all, at, counts[t]);
			at += counts[t];
		}
		Arrays.sort(all);
		Function<Double, Double> percentile = (p) -> (total == 0) ? 0
				: all[(int) Math.min(total - 1, p * total)] / 1_000.0;
		return new Result(total / (duration.toNanos() / 1e9), percentile.apply(0.50), percentile.apply(0.99),
				Arrays.stream(errors).sum());
	}

	private record Result(double perSecond, double p50Micros, double p99Micros, long errors) {
	}

}
