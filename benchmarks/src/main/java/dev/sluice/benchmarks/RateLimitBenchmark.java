package dev.sluice.benchmarks;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.sluice.ratelimit.ClientIpResolver;
import dev.sluice.ratelimit.Limit;
import dev.sluice.ratelimit.MemoryRateLimitStore;
import dev.sluice.ratelimit.OnMissingKey;
import dev.sluice.ratelimit.OnStoreFailure;
import dev.sluice.ratelimit.RateLimitDecision;
import dev.sluice.ratelimit.RateLimitFilter;
import dev.sluice.ratelimit.RateLimitRule;
import dev.sluice.ratelimit.RateLimiters;
import jakarta.servlet.FilterChain;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * One rate-limit decision on one thread: a global rule, a per-IP rule holding 100,000
 * live keys, and the whole filter for one request (with {@code -prof gc}, its allocation
 * per request). Rules never reject, so the measured path is the common one.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Thread)
public class RateLimitBenchmark {

	private static final int LIVE_KEYS = 100_000;

	private static final Limit NEVER_REJECTS = new Limit(1_000_000_000L, 1_000_000_000L, Duration.ofSeconds(1));

	private RateLimitRule global;

	private RateLimitRule perIp;

	private MemoryRateLimitStore store;

	private String[] keys;

	private int next;

	private RateLimitFilter filter;

	private MockHttpServletRequest request;

	private MockHttpServletResponse response;

	private final FilterChain chain = (request, response) -> {
	};

	@Setup
	public void setUp() {
		this.global = rule("global", "/global");
		this.perIp = rule("per-ip", "/hello");
		this.store = new MemoryRateLimitStore(List.of(this.global, this.perIp), 200_000);
		this.keys = new String[LIVE_KEYS];
		for (int i = 0; i < LIVE_KEYS; i++) {
			this.keys[i] = "ip:10." + (i >> 16) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
			this.store.tryConsume(this.perIp, this.keys[i]);
		}
		RateLimiters limiters = new RateLimiters(List.of(this.global, this.perIp), this.store, OnStoreFailure.ALLOW);
		this.filter = new RateLimitFilter(limiters, new ClientIpResolver(List.of()), true);
		this.request = new MockHttpServletRequest("GET", "/hello");
		this.request.setRemoteAddr("10.0.1.2");
		this.response = new MockHttpServletResponse();
	}

	@Benchmark
	public RateLimitDecision globalRuleDecision() {
		return this.store.tryConsume(this.global, "global");
	}

	@Benchmark
	public RateLimitDecision perIpRuleDecisionWith100kLiveKeys() {
		int index = this.next++;
		if (this.next == LIVE_KEYS) {
			this.next = 0;
		}
		return this.store.tryConsume(this.perIp, this.keys[index]);
	}

	@Benchmark
	public MockHttpServletResponse filterOneRequest() throws Exception {
		this.filter.doFilter(this.request, this.response, this.chain);
		return this.response;
	}

	static RateLimitRule rule(String name, String path) {
		return new RateLimitRule(name, List.of(PathPatternParser.defaultInstance.parse(path)), Set.of(), "ip:",
				(request) -> request.getRemoteAddr(), OnMissingKey.IP, List.of(NEVER_REJECTS));
	}

}
