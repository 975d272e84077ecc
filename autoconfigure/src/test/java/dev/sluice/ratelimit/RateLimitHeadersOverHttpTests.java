package dev.sluice.ratelimit;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.util.pattern.PathPatternParser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code RateLimit-Policy} / {@code RateLimit} fields and the 429 body over real
 * HTTP, against the IETF httpapi draft (10/11): {@code t} is the seconds until that
 * limit's next token, the same on allowed and rejected answers and absent while its
 * bucket is full. The memory store runs on a clock the test moves, so every figure is
 * exact however slow the machine.
 */
@SpringBootTest(classes = RateLimitTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@Import(RateLimitHeadersOverHttpTests.ClockedLimiters.class)
@DirtiesContext
class RateLimitHeadersOverHttpTests {

	static final AtomicLong clock = new AtomicLong(Duration.ofDays(1).toNanos());

	private static final String QUOTA_EXCEEDED = "https://iana.org/assignments/http-problem-types#quota-exceeded";

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Test
	void fivePerMinuteSendsTheSecondsUntilTheNextTokenOnEveryAnswer() throws Exception {
		HttpResponse<String> first = get("/hello");
		assertThat(first.statusCode()).isEqualTo(200);
		assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"hello\";q=5;w=60");
		assertThat(first.headers().firstValue("RateLimit")).hasValue("\"hello\";r=4;t=12");
		for (int remaining = 3; remaining >= 0; remaining--) {
			HttpResponse<String> next = get("/hello");
			assertThat(next.statusCode()).isEqualTo(200);
			// a token every 12 s, whatever is left: not the 60 s until the bucket is full
			assertThat(next.headers().firstValue("RateLimit")).hasValue("\"hello\";r=" + remaining + ";t=12");
		}
		HttpResponse<String> rejected = get("/hello");
		assertThat(rejected.statusCode()).isEqualTo(429);
		assertThat(rejected.headers().firstValue("Retry-After")).hasValue("12");
		assertThat(rejected.headers().firstValue("RateLimit-Policy")).hasValue("\"hello\";q=5;w=60");
		assertThat(rejected.headers().firstValue("RateLimit")).hasValue("\"hello\";r=0;t=12");
		clock.addAndGet(Duration.ofMillis(6_500).toNanos());
		HttpResponse<String> later = get("/hello");
		assertThat(later.statusCode()).isEqualTo(429);
		assertThat(later.headers().firstValue("Retry-After")).hasValue("6"); // 5.5 s,
																				// rounded
																				// up
		assertThat(later.headers().firstValue("RateLimit")).hasValue("\"hello\";r=0;t=6");
	}

	@Test
	void eachLimitOfARuleReportsItsOwnBucketAndTheBindingOneSetsRetryAfter() throws Exception {
		// "pair": 5 a minute (a token every 12 s) within 10 an hour (a token every 360 s)
		for (int i = 1; i <= 5; i++) {
			HttpResponse<String> allowed = get("/pair");
			assertThat(allowed.statusCode()).isEqualTo(200);
			assertThat(allowed.headers().firstValue("RateLimit-Policy"))
				.hasValue("\"pair\";q=5;w=60, \"pair-2\";q=10;w=3600");
			assertThat(allowed.headers().firstValue("RateLimit"))
				.hasValue("\"pair\";r=" + (5 - i) + ";t=12, \"pair-2\";r=" + (10 - i) + ";t=360");
		}
		HttpResponse<String> minute = get("/pair");
		assertThat(minute.statusCode()).isEqualTo(429);
		assertThat(minute.headers().firstValue("Retry-After")).hasValue("12");
		// the hourly limit gave its token back: 5 left, as before this request
		assertThat(minute.headers().firstValue("RateLimit")).hasValue("\"pair\";r=0;t=12, \"pair-2\";r=5;t=360");
		assertThat(violatedPolicies(minute)).containsExactly("pair");

		clock.addAndGet(Duration.ofSeconds(60).toNanos()); // the minute's bucket is full;
															// the hour gained 1/6
		for (int i = 1; i <= 5; i++) {
			HttpResponse<String> allowed = get("/pair");
			assertThat(allowed.statusCode()).isEqualTo(200);
			// the hour's next token is 300 s away: 60 of its 360 s have passed
			assertThat(allowed.headers().firstValue("RateLimit"))
				.hasValue("\"pair\";r=" + (5 - i) + ";t=12, \"pair-2\";r=" + (5 - i) + ";t=300");
		}
		HttpResponse<String> both = get("/pair");
		assertThat(both.statusCode()).isEqualTo(429);
		assertThat(both.headers().firstValue("Retry-After")).hasValue("300"); // the
																				// longer
																				// wait
																				// binds
		assertThat(both.headers().firstValue("RateLimit")).hasValue("\"pair\";r=0;t=12, \"pair-2\";r=0;t=300");
		assertThat(violatedPolicies(both)).containsExactly("pair", "pair-2");

		clock.addAndGet(Duration.ofSeconds(60).toNanos());
		HttpResponse<String> hourly = get("/pair");
		assertThat(hourly.statusCode()).isEqualTo(429);
		assertThat(hourly.headers().firstValue("Retry-After")).hasValue("240");
		// the minute's bucket is full again (its token given back): no more quota to
		// come, so no t
		assertThat(hourly.headers().firstValue("RateLimit")).hasValue("\"pair\";r=5, \"pair-2\";r=0;t=240");
		assertThat(violatedPolicies(hourly)).containsExactly("pair-2");
	}

	@Test
	void theRejectionBodyIsTheDraftsQuotaExceededProblemWithSluicesOwnMembers() throws Exception {
		for (int i = 0; i < 2; i++) {
			assertThat(get("/once/async").statusCode()).isEqualTo(200);
		}
		HttpResponse<String> rejected = get("/once/async");
		assertThat(rejected.statusCode()).isEqualTo(429);
		assertThat(rejected.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		JsonNode problem = JsonMapper.builder().build().readTree(rejected.body());
		// RFC 9457 members, each of its type
		assertThat(problem.get("type").isString()).isTrue();
		assertThat(problem.get("type").asString()).isEqualTo(QUOTA_EXCEEDED);
		assertThat(problem.get("title").asString())
			.isEqualTo("Request cannot be satisfied as assigned quota has been exceeded");
		assertThat(problem.get("status").isInt()).isTrue();
		assertThat(problem.get("status").asInt()).isEqualTo(429);
		assertThat(problem.get("detail").isString()).isTrue();
		assertThat(problem.get("instance").asString()).isEqualTo("/once/async");
		// the draft's extension member: an array of strings naming the policies whose
		// quota was exceeded
		assertThat(problem.get("violated-policies").isArray()).isTrue();
		assertThat(violatedPolicies(rejected)).containsExactly("once");
		// Sluice's own members beside them
		assertThat(problem.get("rule").asString()).isEqualTo("once");
		assertThat(problem.get("retryAfter").isIntegralNumber()).isTrue();
		assertThat(problem.get("retryAfter").asLong()).isEqualTo(1_800); // 2 an hour: a
																			// token every
																			// 1,800 s
		assertThat(rejected.headers().firstValue("Retry-After")).hasValue("1800");
	}

	@Test
	void otherProblemBodiesKeepTheirSluiceTypes() throws Exception {
		HttpResponse<String> missingKey = get("/api/items");
		assertThat(missingKey.statusCode()).isEqualTo(401);
		JsonNode problem = JsonMapper.builder().build().readTree(missingKey.body());
		assertThat(problem.get("type").asString()).isEqualTo("https://sluice.dev/problems/missing-key");
		assertThat(problem.has("violated-policies")).isFalse();
	}

	private static List<String> violatedPolicies(HttpResponse<String> response) {
		JsonNode problem = JsonMapper.builder().build().readTree(response.body());
		List<String> names = new ArrayList<>();
		problem.get("violated-policies").forEach((name) -> {
			assertThat(name.isString()).isTrue();
			names.add(name.asString());
		});
		return names;
	}

	private HttpResponse<String> get(String path) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	/**
	 * The application's rules over the memory store, on the test's clock: the
	 * auto-configured limiters back off.
	 */
	@TestConfiguration(proxyBeanMethods = false)
	static class ClockedLimiters {

		@Bean
		RateLimiters rateLimiters() {
			List<RateLimitRule> rules = List.of(
					rule("hello", "/hello", OnMissingKey.GLOBAL, new Limit(5, 5, Duration.ofMinutes(1))),
					rule("pair", "/pair", OnMissingKey.GLOBAL, new Limit(5, 5, Duration.ofMinutes(1)),
							new Limit(10, 10, Duration.ofHours(1))),
					rule("once", "/once/**", OnMissingKey.GLOBAL, new Limit(2, 2, Duration.ofHours(1))),
					new RateLimitRule("api", List.of(PathPatternParser.defaultInstance.parse("/api/**")), Set.of(),
							"h:", (request) -> request.getHeader("X-API-Key"), OnMissingKey.REJECT,
							List.of(new Limit(2, 1, Duration.ofHours(1)))));
			return new RateLimiters(rules, new MemoryRateLimitStore(rules, 100, clock::get), OnStoreFailure.ALLOW);
		}

		private static RateLimitRule rule(String name, String path, OnMissingKey onMissingKey, Limit... limits) {
			return new RateLimitRule(name, List.of(PathPatternParser.defaultInstance.parse(path)), Set.of(), "",
					(request) -> "global", onMissingKey, List.of(limits));
		}

	}

}
