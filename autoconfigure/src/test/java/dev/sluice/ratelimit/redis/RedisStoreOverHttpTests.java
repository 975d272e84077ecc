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

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
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
 * The Redis store against the Redis on 127.0.0.1:6379: a limit shared by two servers,
 * keys with the prefix and an expiry, and a defined answer within the timeout when Redis
 * is cut off or slow (through a TCP proxy).
 */
class RedisStoreOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@BeforeAll
	static void redisMustAnswer() {
		RedisAvailable.require();
	}

	@Test
	void twoServersOnTheSameRedisShareOneLimit() throws Exception {
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		// A generous timeout: under 32 concurrent compare-and-swaps on one key no answer
		// may fall back to allow.
		try (ConfigurableApplicationContext one = start(prefix, 6379, "allow", "5s");
				ConfigurableApplicationContext two = start(prefix, 6379, "allow", "5s")) {
			ExecutorService clients = Executors.newFixedThreadPool(32);
			CountDownLatch go = new CountDownLatch(1);
			List<CompletableFuture<Integer>> answers = new ArrayList<>();
			try {
				for (int i = 0; i < 32; i++) {
					int port = port((i % 2 == 0) ? one : two);
					answers.add(CompletableFuture.supplyAsync(() -> {
						try {
							go.await();
							return get(port).statusCode();
						}
						catch (Exception ex) {
							throw new IllegalStateException(ex);
						}
					}, clients));
				}
				go.countDown();
				long passed = 0;
				for (CompletableFuture<Integer> answer : answers) {
					passed += (answer.get(30, TimeUnit.SECONDS) == 200) ? 1 : 0;
				}
				assertThat(passed).isEqualTo(7);
				assertThat(storeErrors(one) + storeErrors(two)).isZero();
			}
			finally {
				clients.shutdownNow();
			}
		}
	}

	@Test
	void keysCarryThePrefixAndExpireOnceTheirBucketWouldBeFullAgain() throws Exception {
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		try (ConfigurableApplicationContext app = start(prefix, 6379, "allow")) {
			assertThat(get(port(app)).statusCode()).isEqualTo(200);
		}
		RedisClient client = RedisClient.create("redis://127.0.0.1:6379");
		try (StatefulRedisConnection<String, String> redis = client.connect()) {
			List<String> keys = redis.sync().keys(prefix + "*");
			assertThat(keys).singleElement().satisfies((key) -> assertThat(key).startsWith(prefix + "shared:"));
			long ttlMillis = redis.sync().pttl(keys.get(0));
			// capacity 7 refilled at 7 per hour: one token taken is back after 1/7 h
			// (about 514 s)
			assertThat(ttlMillis).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(60).toMillis());
			assertThat(ttlMillis).isBetween(Duration.ofSeconds(500).toMillis(), Duration.ofSeconds(520).toMillis());
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void whenRedisIsCutOrSlowEveryRequestIsAnsweredWithinTheTimeoutPerOnFailureAndLimitingResumes() throws Exception {
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		try (TcpProxy proxy = new TcpProxy(6379);
				ConfigurableApplicationContext allow = start(prefix + "allow:", proxy.port(), "allow");
				ConfigurableApplicationContext reject = start(prefix + "reject:", proxy.port(), "reject")) {
			assertThat(get(port(allow)).statusCode()).isEqualTo(200);
			assertThat(get(port(reject)).statusCode()).isEqualTo(200);

			assertThat(health(reject)).isEqualTo("UP");
			proxy.cut();
			assertThat(health(reject)).as("unreachable store with on-failure reject").isEqualTo("DOWN");
			assertThat(health(allow)).as("unreachable store with on-failure allow").isEqualTo("UP");
			for (int i = 0; i < 5; i++) {
				assertAnsweredWithin(allow, 200, 300);
				HttpResponse<String> refused = assertAnsweredWithin(reject, 503, 300);
				assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
			}
			proxy.restore();
			proxy.delay(400); // slower than the 100 ms timeout
			await().atMost(Duration.ofSeconds(10)).until(() -> get(port(allow)).statusCode() == 200);
			assertAnsweredWithin(allow, 200, 300);
			assertAnsweredWithin(reject, 503, 300);
			assertThat(storeErrors(allow)).isGreaterThanOrEqualTo(6);
			assertThat(storeErrors(reject)).isGreaterThanOrEqualTo(6);

			proxy.restore();
			// limiting resumes without a restart: the rest of the 7 tokens go, then 429
			await().atMost(Duration.ofSeconds(15)).until(() -> get(port(allow)).statusCode() == 429);
			await().atMost(Duration.ofSeconds(15)).until(() -> get(port(reject)).statusCode() == 429);
		}
	}

	@Test
	void anApplicationStartedWhileRedisIsDownAnswersPerOnFailureAndLimitsOnceRedisIsBack() throws Exception {
		String prefix = "sluice:test:" + UUID.randomUUID() + ":";
		try (TcpProxy proxy = new TcpProxy(6379)) {
			proxy.cut();
			try (ConfigurableApplicationContext allow = start(prefix + "allow:", proxy.port(), "allow");
					ConfigurableApplicationContext reject = start(prefix + "reject:", proxy.port(), "reject")) {
				for (int i = 0; i < 3; i++) {
					assertAnsweredWithin(allow, 200, 300);
					assertAnsweredWithin(reject, 503, 300);
				}
				assertThat(health(reject)).isEqualTo("DOWN");
				proxy.restore();
				// connected by a later attempt: the 7 tokens go, then 429
				await().atMost(Duration.ofSeconds(15)).until(() -> get(port(allow)).statusCode() == 429);
				await().atMost(Duration.ofSeconds(15)).until(() -> get(port(reject)).statusCode() == 429);
				assertThat(health(reject)).isEqualTo("UP");
			}
		}
	}

	private HttpResponse<String> assertAnsweredWithin(ConfigurableApplicationContext app, int status, long maxMillis)
			throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = get(port(app));
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		assertThat(response.statusCode()).isEqualTo(status);
		assertThat(millis).as("answered within timeout + 200 ms").isLessThanOrEqualTo(maxMillis);
		return response;
	}

	private static String health(ConfigurableApplicationContext app) {
		return app.getBean(dev.sluice.actuate.SluiceHealthIndicator.class).health(false).getStatus().getCode();
	}

	private static double storeErrors(ConfigurableApplicationContext app) {
		return app.getBean(MeterRegistry.class)
			.get("sluice.ratelimit.requests")
			.tag("rule", "shared")
			.tag("outcome", "store_error")
			.functionCounter()
			.count();
	}

	private HttpResponse<String> get(int port) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/limited")).build(),
				HttpResponse.BodyHandlers.ofString());
	}

	private static int port(ConfigurableApplicationContext app) {
		return ((WebServerApplicationContext) app).getWebServer().getPort();
	}

	private static ConfigurableApplicationContext start(String prefix, int redisPort, String onFailure) {
		return start(prefix, redisPort, onFailure, "100ms");
	}

	private static ConfigurableApplicationContext start(String prefix, int redisPort, String onFailure,
			String timeout) {
		SpringApplication application = new SpringApplication(App.class);
		return application.run("--server.port=0", "--spring.data.redis.port=" + redisPort,
				"--sluice.rate-limit.store=redis", "--sluice.rate-limit.redis.key-prefix=" + prefix,
				"--sluice.rate-limit.redis.timeout=" + timeout, "--sluice.rate-limit.redis.on-failure=" + onFailure,
				"--sluice.rate-limit.rules[0].name=shared", "--sluice.rate-limit.rules[0].paths=/limited",
				"--sluice.rate-limit.rules[0].key=global", "--sluice.rate-limit.rules[0].limits[0].capacity=7",
				"--sluice.rate-limit.rules[0].limits[0].refill=7", "--sluice.rate-limit.rules[0].limits[0].period=1h",
				"--management.health.redis.enabled=false");
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@RestController
	static class App {

		@GetMapping("/limited")
		String limited() {
			return "ok";
		}

	}

}
