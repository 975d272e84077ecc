package dev.sluice.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = RateLimitTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=metrics", "sluice.rate-limit.rules[0].name=burst",
				"sluice.rate-limit.rules[0].paths=/burst", "sluice.rate-limit.rules[0].key=global",
				"sluice.rate-limit.rules[0].limits[0].capacity=5", "sluice.rate-limit.rules[0].limits[0].refill=1",
				"sluice.rate-limit.rules[0].limits[0].period=2s", "sluice.rate-limit.rules[1].name=wide",
				"sluice.rate-limit.rules[1].paths=/two/**", "sluice.rate-limit.rules[1].key=global",
				"sluice.rate-limit.rules[1].limits[0].capacity=3", "sluice.rate-limit.rules[1].limits[0].refill=1",
				"sluice.rate-limit.rules[1].limits[0].period=1h", "sluice.rate-limit.rules[2].name=narrow",
				"sluice.rate-limit.rules[2].paths=/two/b", "sluice.rate-limit.rules[2].key=global",
				"sluice.rate-limit.rules[2].limits[0].capacity=1", "sluice.rate-limit.rules[2].limits[0].refill=1",
				"sluice.rate-limit.rules[2].limits[0].period=1h", "sluice.rate-limit.rules[3].name=per-ip",
				"sluice.rate-limit.rules[3].paths=/ip", "sluice.rate-limit.rules[3].key=ip",
				"sluice.rate-limit.rules[3].limits[0].capacity=2", "sluice.rate-limit.rules[3].limits[0].refill=1",
				"sluice.rate-limit.rules[3].limits[0].period=1h", "sluice.rate-limit.rules[4].name=api",
				"sluice.rate-limit.rules[4].paths=/api/**", "sluice.rate-limit.rules[4].key=header:X-API-Key",
				"sluice.rate-limit.rules[4].on-missing-key=reject", "sluice.rate-limit.rules[4].limits[0].capacity=2",
				"sluice.rate-limit.rules[4].limits[0].refill=1", "sluice.rate-limit.rules[4].limits[0].period=1h",
				"sluice.rate-limit.rules[5].name=once", "sluice.rate-limit.rules[5].paths=/once/**,/error",
				"sluice.rate-limit.rules[5].key=global", "sluice.rate-limit.rules[5].limits[0].capacity=3",
				"sluice.rate-limit.rules[5].limits[0].refill=1", "sluice.rate-limit.rules[5].limits[0].period=1h",
				"sluice.rate-limit.rules[6].name=layered", "sluice.rate-limit.rules[6].paths=/layered",
				"sluice.rate-limit.rules[6].key=global", "sluice.rate-limit.rules[6].limits[0].capacity=2",
				"sluice.rate-limit.rules[6].limits[0].refill=2", "sluice.rate-limit.rules[6].limits[0].period=1s",
				"sluice.rate-limit.rules[6].limits[1].capacity=3", "sluice.rate-limit.rules[6].limits[1].refill=3",
				"sluice.rate-limit.rules[6].limits[1].period=1h", "sluice.rate-limit.rules[7].name=three-a",
				"sluice.rate-limit.rules[7].paths=/three/**", "sluice.rate-limit.rules[7].key=global",
				"sluice.rate-limit.rules[7].limits[0].capacity=3", "sluice.rate-limit.rules[7].limits[0].refill=1",
				"sluice.rate-limit.rules[7].limits[0].period=1h", "sluice.rate-limit.rules[8].name=three-b",
				"sluice.rate-limit.rules[8].paths=/three/**", "sluice.rate-limit.rules[8].key=global",
				"sluice.rate-limit.rules[8].limits[0].capacity=3", "sluice.rate-limit.rules[8].limits[0].refill=1",
				"sluice.rate-limit.rules[8].limits[0].period=1h", "sluice.rate-limit.rules[9].name=three-c",
				"sluice.rate-limit.rules[9].paths=/three/c", "sluice.rate-limit.rules[9].key=global",
				"sluice.rate-limit.rules[9].limits[0].capacity=1", "sluice.rate-limit.rules[9].limits[0].refill=1",
				"sluice.rate-limit.rules[9].limits[0].period=1h" })
@DirtiesContext
class RateLimitOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Test
	void thirtyTwoClientsAtOnceGetExactlyCapacityAnswersAndHonestRetryAfters() throws Exception {
		ExecutorService clients = Executors.newFixedThreadPool(32);
		CountDownLatch go = new CountDownLatch(1);
		List<CompletableFuture<Answer>> answers = new ArrayList<>();
		try {
			for (int i = 0; i < 32; i++) {
				answers.add(CompletableFuture.supplyAsync(() -> {
					try {
						go.await();
						HttpResponse<String> response = get("/burst");
						return new Answer(response, System.nanoTime());
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				}, clients));
			}
			long start = System.nanoTime(); // the bucket is created after this, by the
											// first request to arrive
			go.countDown();
			List<Answer> responses = new ArrayList<>();
			for (CompletableFuture<Answer> answer : answers) {
				responses.add(answer.get(30, TimeUnit.SECONDS));
			}
			long passed = responses.stream().filter((a) -> a.response().statusCode() == 200).count();
			List<Answer> limited = responses.stream().filter((a) -> a.response().statusCode() == 429).toList();
			assertThat(passed).isEqualTo(5);
			assertThat(limited).hasSize(27);
			long maxRetryAfter = 0;
			for (Answer answer : limited) {
				HttpResponse<String> response = answer.response();
				long retryAfter = Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
				// Greedy refill of one token per 2 s from a full bucket of 5: a request
				// rejected x seconds after the
				// bucket was made waits 2 - x s for the next token, so Retry-After is
				// ceil(2 - x), never 0. x lies
				// between 0 and the time this answer arrived; on a machine that answers
				// within 1 s that is exactly 2.
				double latestX = (answer.receivedAt() - start) / 1e9;
				assertThat(retryAfter).isBetween(Math.max(1L, (long) Math.ceil(2 - latestX)), 2L);
				maxRetryAfter = Math.max(maxRetryAfter, retryAfter);
				assertThat(response.headers().firstValue("RateLimit-Policy")).hasValue("\"burst\";q=5;w=10");
				assertThat(response.headers().firstValue("RateLimit")).hasValue("\"burst\";r=0;t=" + retryAfter);
				JsonNode problem = JsonMapper.builder().build().readTree(response.body());
				assertThat(problem.get("status").asInt()).isEqualTo(429);
				assertThat(problem.get("rule").asString()).isEqualTo("burst");
			}
			Thread.sleep(maxRetryAfter * 1000);
			assertThat(get("/burst").statusCode()).isEqualTo(200);
		}
		finally {
			clients.shutdownNow();
		}
	}

	@Test
	void aRequestRejectedByOneRuleTakesNoTokenFromAnother() throws Exception {
		HttpResponse<String> both = get("/two/b"); // wide 3 -> 2, narrow 1 -> 0
		assertThat(both.statusCode()).isEqualTo(200);
		assertThat(both.headers().firstValue("RateLimit-Policy"))
			.hasValue("\"wide\";q=3;w=10800, \"narrow\";q=1;w=3600"); // 3 a burst, 1 an
																		// hour
		assertThat(both.headers().firstValue("RateLimit")).hasValue("\"wide\";r=2;t=3600, \"narrow\";r=0;t=3600");
		HttpResponse<String> rejected = get("/two/b"); // wide would go 2 -> 1, but narrow
														// rejects: refunded
		assertThat(rejected.statusCode()).isEqualTo(429);
		assertThat(rejected.body()).contains("\"rule\":\"narrow\"");
		assertThat(get("/two/a").statusCode()).isEqualTo(200); // wide 2 -> 1
		assertThat(get("/two/a").statusCode()).isEqualTo(200); // wide 1 -> 0: only true
																// if the refund happened
		assertThat(get("/two/a").statusCode()).isEqualTo(429);
	}

	@Test
	void aRequestRejectedByItsThirdRuleGivesBothEarlierRulesTheirTokensBack() throws Exception {
		HttpResponse<String> all = get("/three/c"); // a 3 -> 2, b 3 -> 2, c 1 -> 0
		assertThat(all.statusCode()).isEqualTo(200);
		assertThat(all.headers().firstValue("RateLimit-Policy"))
			.hasValue("\"three-a\";q=3;w=10800, \"three-b\";q=3;w=10800, \"three-c\";q=1;w=3600");
		assertThat(all.headers().firstValue("RateLimit"))
			.hasValue("\"three-a\";r=2;t=3600, \"three-b\";r=2;t=3600, \"three-c\";r=0;t=3600");
		HttpResponse<String> rejected = get("/three/c"); // a and b would go to 1, c
															// rejects: both refunded
		assertThat(rejected.statusCode()).isEqualTo(429);
		assertThat(rejected.body()).contains("\"rule\":\"three-c\"");
		assertThat(get("/three/a").statusCode()).isEqualTo(200); // a and b 2 -> 1
		assertThat(get("/three/a").statusCode()).isEqualTo(200); // 1 -> 0: only if both
																	// were refunded
		assertThat(get("/three/a").statusCode()).isEqualTo(429);
		assertThat(requests("three-a", "allowed")).isEqualTo(3);
		assertThat(requests("three-b", "allowed")).isEqualTo(3);
		assertThat(requests("three-c", "allowed")).isEqualTo(1);
		assertThat(requests("three-a", "rejected")).isEqualTo(1);
		assertThat(requests("three-c", "rejected")).isEqualTo(1);
	}

	@Test
	void everyLimitOfARuleAppliesAndTheOneThatBindsSetsRetryAfter() throws Exception {
		// a burst of 2 a second, within 3 an hour
		HttpResponse<String> first = get("/layered");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.headers().firstValue("RateLimit-Policy"))
			.hasValue("\"layered\";q=2;w=1, \"layered-2\";q=3;w=3600");
		assertThat(get("/layered").statusCode()).isEqualTo(200);
		HttpResponse<String> burst = get("/layered");
		assertThat(burst.statusCode()).isEqualTo(429);
		assertThat(burst.headers().firstValue("Retry-After")).hasValue("1"); // a token
																				// every
																				// 0.5 s,
																				// rounded
																				// up
		Thread.sleep(1_000); // as Retry-After said
		assertThat(get("/layered").statusCode()).isEqualTo(200); // the hour's third and
																	// last token
		Thread.sleep(1_000); // the burst limit is full again; the hourly one is not
		HttpResponse<String> hourly = get("/layered");
		assertThat(hourly.statusCode()).isEqualTo(429);
		// 3 an hour is a token every 1,200 s, counted from the first requests about 2 s
		// ago
		assertThat(Long.parseLong(hourly.headers().firstValue("Retry-After").orElseThrow())).isBetween(1_100L, 1_200L);
	}

	@Test
	void withoutTrustedProxiesAClientCannotChooseItsOwnKeyWithForwardingHeaders() throws Exception {
		assertThat(get("/ip", "X-Forwarded-For", "1.1.1.1").statusCode()).isEqualTo(200);
		assertThat(get("/ip", "Forwarded", "for=2.2.2.2").statusCode()).isEqualTo(200);
		assertThat(get("/ip", "X-Forwarded-For", "3.3.3.3").statusCode()).isEqualTo(429);
	}

	@Test
	void aMissingApiKeyIsRejectedWith401AndAnOverlongOneCountsAsMissing() throws Exception {
		assertThat(get("/api/items").statusCode()).isEqualTo(401);
		assertThat(get("/api/items", "X-API-Key", "k".repeat(257)).statusCode()).isEqualTo(401);
		assertThat(get("/api/items", "X-API-Key", "alice").statusCode()).isEqualTo(200);
		assertThat(get("/api/items", "X-API-Key", "alice").statusCode()).isEqualTo(200);
		assertThat(get("/api/items", "X-API-Key", "alice").statusCode()).isEqualTo(429);
		assertThat(get("/api/items", "X-API-Key", "bob").statusCode()).isEqualTo(200);
	}

	@Test
	void aRequestIsCheckedOnceNotAgainOnItsAsyncOrErrorDispatch() throws Exception {
		// capacity 3: each request takes one token, although the first is dispatched
		// twice (request, async) and
		// the second too (request, error page on /error, which the rule also covers)
		assertThat(get("/once/async").body()).isEqualTo("later");
		assertThat(get("/once/fail").statusCode()).isEqualTo(500);
		HttpResponse<String> third = get("/once/async");
		assertThat(third.statusCode()).isEqualTo(200);
		assertThat(third.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"once\";r=0;");
		assertThat(get("/once/async").statusCode()).isEqualTo(429);
	}

	@Test
	void unlimitedRoutesCarryNoRateLimitHeaders() throws Exception {
		HttpResponse<String> free = get("/free");
		assertThat(free.statusCode()).isEqualTo(200);
		assertThat(free.headers().firstValue("RateLimit")).isEmpty();
	}

	@Test
	void metersCarryRuleAndOutcomeTagsAndNoPerKeyTag() throws Exception {
		get("/api/items", "X-API-Key", "carol");
		JsonNode requests = JsonMapper.builder()
			.build()
			.readTree(get("/actuator/metrics/sluice.ratelimit.requests").body());
		List<String> tags = new ArrayList<>();
		requests.get("availableTags").forEach((tag) -> tags.add(tag.get("tag").asString()));
		assertThat(tags).containsExactlyInAnyOrder("rule", "outcome");
		JsonNode keys = JsonMapper.builder()
			.build()
			.readTree(get("/actuator/metrics/sluice.ratelimit.keys?tag=rule:api").body());
		assertThat(keys.get("measurements").get(0).get("value").asDouble()).isPositive();
		List<String> keyTags = new ArrayList<>();
		keys.get("availableTags").forEach((tag) -> keyTags.add(tag.get("tag").asString()));
		assertThat(keyTags).doesNotContain("key");
	}

	private double requests(String rule, String outcome) throws Exception {
		JsonNode counter = JsonMapper.builder()
			.build()
			.readTree(get("/actuator/metrics/sluice.ratelimit.requests?tag=rule:" + rule + "&tag=outcome:" + outcome)
				.body());
		return counter.get("measurements").get(0).get("value").asDouble();
	}

	private HttpResponse<String> get(String path, String... header) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path));
		if (header.length == 2) {
			request.header(header[0], header[1]);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private record Answer(HttpResponse<String> response, long receivedAt) {
	}

}
