package dev.sluice.concurrency;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The adaptive limit (default algorithm, gradient2) over real HTTP from many client
 * threads: it rises while answers are fast, falls when the handler's latency jumps (and
 * the excess is refused at once), and rises again when the latency recovers; no request
 * is ever admitted beyond the limit in force.
 */
@SpringBootTest(classes = { ConcurrencyLimitTestApp.class, AdaptiveConcurrencyLimitOverHttpTests.Inside.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.concurrency-limit.mode=adaptive", "sluice.concurrency-limit.paths=/work",
				"sluice.concurrency-limit.adaptive.min-limit=8",
				// short windows and quick smoothing so that the test takes seconds, not
				// minutes
				"sluice.concurrency-limit.adaptive.gradient2.window=500ms",
				"sluice.concurrency-limit.adaptive.gradient2.smoothing=0.5" })
@DirtiesContext
class AdaptiveConcurrencyLimitOverHttpTests {

	private static final int CLIENTS = 24;

	private static final long SLOW_MILLIS = 250;

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	ConcurrencyLimitTestApp.Endpoints endpoints;

	@Autowired
	ConcurrencyLimiter limiter;

	@Autowired
	MeterRegistry registry;

	@Autowired
	Inside inside;

	@Test
	void theLimitFallsUnderLatencyRefusingTheExcessAtOnceAndRisesAgainWhenLatencyRecovers() throws Exception {
		AtomicBoolean slowPhase = new AtomicBoolean();
		AtomicBoolean stop = new AtomicBoolean();
		LongAdder ok = new LongAdder();
		LongAdder refused = new LongAdder();
		LongAdder other = new LongAdder();
		ConcurrentLinkedQueue<Long> refusalMillisWhileSlow = new ConcurrentLinkedQueue<>();
		AtomicInteger highestLimit = new AtomicInteger();
		List<Thread> clients = new ArrayList<>();
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/work")).build();
		for (int i = 0; i < CLIENTS; i++) {
			Thread client = new Thread(() -> {
				while (!stop.get()) {
					long start = System.nanoTime();
					try {
						HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
						long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
						if (response.statusCode() == 200) {
							ok.increment();
						}
						else if (response.statusCode() == 503
								&& response.headers().firstValue("Retry-After").orElse("").equals("1")) {
							refused.increment();
							if (slowPhase.get()) {
								refusalMillisWhileSlow.add(millis);
							}
							Thread.sleep(5); // a little back-off, so refusals do not
												// swamp a 2-core machine
						}
						else {
							other.increment();
						}
					}
					catch (InterruptedException ex) {
						return;
					}
					catch (Exception ex) {
						other.increment();
					}
				}
			}, "adaptive-client-" + i);
			client.start();
			clients.add(client);
		}
		try {
			// fast answers: the limit rises from its initial 20, and gradient2 learns its
			// baseline (10 windows)
			await().atMost(Duration.ofSeconds(60))
				.pollDelay(Duration.ofSeconds(6))
				.until(() -> this.limiter.getLimit() > 20);
			int risen = this.limiter.getLimit();
			highestLimit.accumulateAndGet(risen, Math::max);

			// induced latency: the limit falls, and the excess is refused without waiting
			// for the slow handler
			this.endpoints.workMillis = SLOW_MILLIS;
			slowPhase.set(true);
			await().atMost(Duration.ofSeconds(60)).until(() -> this.limiter.getLimit() <= risen / 2);
			long refusedBefore = refused.sum();
			await().atMost(Duration.ofSeconds(30)).until(() -> refused.sum() >= refusedBefore + 50);
			slowPhase.set(false);
			int fallen = this.limiter.getLimit();
			assertThat(fallen).isLessThan(risen);
			List<Long> refusals = new ArrayList<>(refusalMillisWhileSlow);
			refusals.sort(null);
			assertThat(refusals).hasSizeGreaterThanOrEqualTo(50);
			assertThat(refusals.get(refusals.size() / 2)).as("median refusal (ms), handler takes %d ms", SLOW_MILLIS)
				.isLessThan(SLOW_MILLIS / 2);
			assertThat(refusals.get(refusals.size() * 9 / 10)).as("90th percentile refusal (ms)")
				.isLessThan(SLOW_MILLIS);

			// latency recovers: the limit rises again
			this.endpoints.workMillis = 5;
			await().atMost(Duration.ofSeconds(60)).until(() -> this.limiter.getLimit() >= fallen + 8);
		}
		finally {
			stop.set(true);
			for (Thread client : clients) {
				client.join(TimeUnit.SECONDS.toMillis(30));
			}
		}
		await().atMost(Duration.ofSeconds(5)).until(() -> this.limiter.getInFlight() == 0);
		assertThat(other.sum()).as("answers other than 200 and 503 + Retry-After: 1").isZero();
		assertThat(this.endpoints.admitted.sum()).isEqualTo(ok.sum());
		assertThat(this.limiter.getRejected()).isEqualTo(refused.sum());
		assertThat(this.registry.get("sluice.concurrency.rejected").functionCounter().count()).isEqualTo(refused.sum());
		assertThat(this.registry.get("sluice.concurrency.limit").gauge().value()).isEqualTo(this.limiter.getLimit());
		assertThat(this.registry.get("sluice.concurrency.in_flight").gauge().value()).isZero();
		assertThat(this.endpoints.excessAtAdmission.get()).as("in flight minus limit at any admission")
			.isLessThanOrEqualTo(0);
		// a client may send its next request, on another connection, as soon as it has
		// its answer, before the server's thread released that request's permit: the
		// bound is the requests inside the server, not the clients
		assertThat(this.endpoints.highWaterAtAdmission.get()).as("in flight at any admission")
			.isPositive()
			.isLessThanOrEqualTo(this.inside.highWater.get());
	}

	/**
	 * Counts the requests inside the server's filter chain, from a filter outside
	 * Sluice's: a request is counted before the concurrency limit admits it and until
	 * after it releases its permit, so the limiter's in-flight count is never above it.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class Inside implements Filter {

		final AtomicInteger inside = new AtomicInteger();

		/** The most requests ever inside at once. */
		final AtomicInteger highWater = new AtomicInteger();

		@Bean
		FilterRegistrationBean<Inside> insideFilter() {
			FilterRegistrationBean<Inside> registration = new FilterRegistrationBean<>(this);
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
			return registration;
		}

		@Override
		public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
				throws IOException, ServletException {
			this.highWater.accumulateAndGet(this.inside.incrementAndGet(), Math::max);
			try {
				chain.doFilter(request, response);
			}
			finally {
				this.inside.decrementAndGet();
			}
		}

	}

}
