package dev.sluice.ratelimit.redis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.sluice.ratelimit.RateLimiters;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Acceptance of issue 14 over HTTP: two application instances on one Redis, 64 concurrent clients on one
 * {@code global} key: exactly the capacity is admitted and no decision is a store error, with one limit, with two
 * limits in one rule, and with two overlapping rules where the narrower one's rejections refund the wider one.
 */
class RedisStoreContentionOverHttpTests {

	private static final int CLIENTS = 64;

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeAll
	static void redisMustAnswer() {
		RedisAvailable.require();
	}

	@Test
	void sixtyFourClientsOnTwoInstancesGetExactlyTheFiftyTokensOfOneLimit() throws Exception {
		String[] rule = { "--sluice.rate-limit.rules[0].name=global", "--sluice.rate-limit.rules[0].paths=/limited/**",
				"--sluice.rate-limit.rules[0].key=global", "--sluice.rate-limit.rules[0].limits[0].capacity=50",
				"--sluice.rate-limit.rules[0].limits[0].refill=50",
				"--sluice.rate-limit.rules[0].limits[0].period=1h" };
		twoInstances(rule, (one, two) -> {
			assertThat(admitted(one, two, "/limited/a")).isEqualTo(50);
			assertThat(storeErrors(one, two, "global")).isZero();
		});
	}

	@Test
	void sixtyFourClientsOnTwoInstancesGetExactlyTheTokensOfTheBindingLimitOfATwoLimitRule() throws Exception {
		String[] rule = { "--sluice.rate-limit.rules[0].name=global", "--sluice.rate-limit.rules[0].paths=/limited/**",
				"--sluice.rate-limit.rules[0].key=global", "--sluice.rate-limit.rules[0].limits[0].capacity=100",
				"--sluice.rate-limit.rules[0].limits[0].refill=100",
				"--sluice.rate-limit.rules[0].limits[0].period=1h",
				"--sluice.rate-limit.rules[0].limits[1].capacity=50",
				"--sluice.rate-limit.rules[0].limits[1].refill=50",
				"--sluice.rate-limit.rules[0].limits[1].period=1d" };
		twoInstances(rule, (one, two) -> {
			assertThat(admitted(one, two, "/limited/a")).isEqualTo(50);
			assertThat(storeErrors(one, two, "global")).isZero();
		});
	}

	@Test
	void requestsTheNarrowRuleRejectsGiveTheirTokenOfTheWideRuleBack() throws Exception {
		String[] rules = { "--sluice.rate-limit.rules[0].name=wide", "--sluice.rate-limit.rules[0].paths=/limited/**",
				"--sluice.rate-limit.rules[0].key=global", "--sluice.rate-limit.rules[0].limits[0].capacity=50",
				"--sluice.rate-limit.rules[0].limits[0].refill=50", "--sluice.rate-limit.rules[0].limits[0].period=1h",
				"--sluice.rate-limit.rules[1].name=narrow", "--sluice.rate-limit.rules[1].paths=/limited/narrow",
				"--sluice.rate-limit.rules[1].key=global", "--sluice.rate-limit.rules[1].limits[0].capacity=20",
				"--sluice.rate-limit.rules[1].limits[0].refill=20",
				"--sluice.rate-limit.rules[1].limits[0].period=1h" };
		twoInstances(rules, (one, two) -> {
			// 64 on the narrow path: 20 pass both rules; the other 44 took a wide token and gave it back
			assertThat(admitted(one, two, "/limited/narrow")).isEqualTo(20);
			// so the wide rule has exactly 50 - 20 left for everyone else
			assertThat(admitted(one, two, "/limited/wide")).isEqualTo(30);
			assertThat(storeErrors(one, two, "wide") + storeErrors(one, two, "narrow")).isZero();
		});
	}

	private void twoInstances(String[] rules, Check check) throws Exception {
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext one = start(prefix, rules);
				ConfigurableApplicationContext two = start(prefix, rules)) {
			// connected before the clients start, so the first answers do not race the connection
			await().atMost(Duration.ofSeconds(10))
				.until(() -> one.getBean(RateLimiters.class).isStoreAvailable()
						&& two.getBean(RateLimiters.class).isStoreAvailable());
			check.accept(one, two);
		}
	}

	/** 64 clients at once, half to each instance, one request each: how many were answered 200. */
	private long admitted(ConfigurableApplicationContext one, ConfigurableApplicationContext two, String path)
			throws Exception {
		ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
		CountDownLatch go = new CountDownLatch(1);
		List<CompletableFuture<Integer>> answers = new ArrayList<>();
		try {
			for (int i = 0; i < CLIENTS; i++) {
				int port = port((i % 2 == 0) ? one : two);
				answers.add(CompletableFuture.supplyAsync(() -> {
					try {
						go.await();
						return this.http
							.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
									HttpResponse.BodyHandlers.discarding())
							.statusCode();
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				}, clients));
			}
			go.countDown();
			long passed = 0;
			for (CompletableFuture<Integer> answer : answers) {
				int status = answer.get(60, TimeUnit.SECONDS);
				assertThat(status).isIn(200, 429);
				passed += (status == 200) ? 1 : 0;
			}
			return passed;
		}
		finally {
			clients.shutdownNow();
		}
	}

	private static double storeErrors(ConfigurableApplicationContext one, ConfigurableApplicationContext two,
			String rule) {
		return storeErrors(one, rule) + storeErrors(two, rule);
	}

	private static double storeErrors(ConfigurableApplicationContext app, String rule) {
		return app.getBean(MeterRegistry.class)
			.get("sluice.ratelimit.requests")
			.tag("rule", rule)
			.tag("outcome", "store_error")
			.functionCounter()
			.count();
	}

	private static int port(ConfigurableApplicationContext app) {
		return ((WebServerApplicationContext) app).getWebServer().getPort();
	}

	private static ConfigurableApplicationContext start(String prefix, String[] rules) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.data.redis.port=6379",
				"--sluice.rate-limit.store=redis", "--sluice.rate-limit.redis.key-prefix=" + prefix,
				// generous for a loaded 2-core machine: one round trip per decision needs no more, while
				// compare-and-swap retries on one key outlast any timeout
				"--sluice.rate-limit.redis.timeout=2s", "--sluice.rate-limit.redis.on-failure=allow",
				"--management.health.redis.enabled=false", "--server.tomcat.threads.max=64"));
		args.addAll(List.of(rules));
		return new SpringApplication(App.class).run(args.toArray(String[]::new));
	}

	@FunctionalInterface
	private interface Check {

		void accept(ConfigurableApplicationContext one, ConfigurableApplicationContext two) throws Exception;

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class App {

		@GetMapping("/limited/{name}")
		String limited() {
			return "ok";
		}

	}

}
