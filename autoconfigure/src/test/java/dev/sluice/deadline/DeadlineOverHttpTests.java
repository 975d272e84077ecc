package dev.sluice.deadline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = DeadlineTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.deadline.default-timeout=10s",
				"sluice.deadline.routes[0].paths=/sleep,/call/**,/group/**,/async/**,/late/**",
				"sluice.deadline.routes[0].timeout=1s" })
@DirtiesContext
class DeadlineOverHttpTests {

	private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	@LocalServerPort
	int port;

	@Autowired
	MeterRegistry registry;

	@BeforeEach
	void warmUpTheClients() throws Exception {
		// The first call through a client library loads and starts it (Reactor Netty:
		// seconds on a busy machine).
		assertThat(get("/call/echo", null).response.statusCode()).isIn(200, 504); // 504:
																					// warm-up
																					// took
																					// the
																					// 1 s
	}

	@Test
	void aHandlerBlockedInSleepAnswers504WithAProblemBodyJustAfterItsDeadline() throws Exception {
		Timed timed = get("/sleep", null);
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.millis).isBetween(1_000L, 1_300L);
		JsonNode problem = JsonMapper.builder().build().readTree(timed.response.body());
		assertThat(problem.get("status").asInt()).isEqualTo(504);
		assertThat(problem.get("title").asString()).isEqualTo("Gateway Timeout");
		assertThat(problem.get("instance").asString()).isEqualTo("/sleep");
		assertThat(problem.get("route").asString()).isEqualTo("/sleep");
		assertThat(timed.response.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
	}

	@Test
	void aHandlerBlockedInARestClientCallToASlowEndpointAnswers504AtItsDeadline() throws Exception {
		Timed timed = get("/call/slow", null);
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.millis).isBetween(1_000L, 1_300L);
	}

	@Test
	void aHandlerThatIgnoresTheInterruptAndAnswersLateGets504NotADroppedConnection() throws Exception {
		for (String path : new String[] { "/late/ignores-interrupt", "/late/small" }) {
			HttpResponse<String> response = get(path, null).response;
			assertThat(response.statusCode()).as(path).isEqualTo(504);
			assertThat(response.body()).as(path).contains("deadline-exceeded");
		}
		assertThat(get("/ordinary", null).response.statusCode()).isEqualTo(200); // the
																					// threads
																					// are
																					// clean
																					// afterwards
	}

	@Test
	void anInboundBudgetShortensTheDeadline() throws Exception {
		Timed timed = get("/default/sleep", "300");
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.millis).isBetween(300L, 800L);
	}

	@Test
	void anInboundBudgetNeverLengthensTheDeadline() throws Exception {
		Timed timed = get("/sleep", "60000");
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.millis).isBetween(1_000L, 1_300L);
	}

	@Test
	void malformedOrNegativeInboundBudgetsAreIgnored() throws Exception {
		for (String bad : new String[] { "-5", "abc", "12ms", "99999999999999999999", "3e2" }) {
			Timed timed = get("/sleep", bad);
			assertThat(timed.response.statusCode()).as(bad).isEqualTo(504);
			assertThat(timed.millis).as(bad).isBetween(1_000L, 1_300L);
		}
	}

	@Test
	void aRestClientCallCarriesTheRemainingBudgetInTheHeader() throws Exception {
		Timed timed = get("/call/echo", null);
		assertThat(timed.response.statusCode()).isEqualTo(200);
		long forwarded = Long.parseLong(timed.response.body());
		assertThat(forwarded).isPositive().isLessThanOrEqualTo(1_000);
	}

	@Test
	void aRestClientCallAfterTheDeadlineFailsFastWithoutConnecting() throws Exception {
		try (DeadlineTestApp.CountingListener listener = new DeadlineTestApp.CountingListener()) {
			Timed timed = get("/call/after-expiry?port=" + listener.port(), null);
			assertThat(timed.response.statusCode()).isEqualTo(504);
			Thread.sleep(100);
			assertThat(listener.accepted).hasValue(0);
		}
	}

	@Test
	void aTaskGroupSubtaskRunsUnderTheRequestDeadlineAndAGroupPastItAnswers504() throws Exception {
		Timed seen = get("/group/deadline", null);
		assertThat(seen.response.body()).isEqualTo("PT1S");
		Timed timed = get("/group", null);
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.millis).isBetween(1_000L, 1_500L);
	}

	@Test
	void aGroupOpenedWithATighterDeadlineInsideARequestAnswers504AtTheGroupDeadline() throws Exception {
		Timed timed = get("/group/tighter", null);
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.millis).isBetween(200L, 800L);
		assertThat(timed.response.body()).contains("\"status\":504");
	}

	@Test
	void asyncCallablesAndDeferredResultsAnswerAtTheirDeadlineNotAtTheContainersNextTimeoutCheck() throws Exception {
		// Tomcat checks async timeouts about once a second, so each answer left to it is
		// 0-1 s late; three of each
		// at once all within 300 ms of the deadline would happen by chance about once in
		// 200 runs.
		List<CompletableFuture<Timed>> answers = new ArrayList<>();
		for (String path : List.of("/async/callable", "/async/deferred")) {
			for (int i = 0; i < 3; i++) {
				answers.add(CompletableFuture.supplyAsync(() -> {
					try {
						return get(path, null);
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
				}));
			}
		}
		for (CompletableFuture<Timed> answer : answers) {
			Timed timed = answer.get(10, TimeUnit.SECONDS);
			assertThat(timed.response.statusCode()).isEqualTo(504);
			assertThat(timed.response.body()).contains("deadline-exceeded");
			assertThat(timed.millis).isBetween(1_000L, 1_300L);
		}
	}

	@Test
	void anAsyncCallableRunsUnderTheRequestsDeadline() throws Exception {
		Timed timed = get("/async/callable/deadline", null);
		assertThat(timed.response.statusCode()).isEqualTo(200);
		assertThat(timed.response.body()).isEqualTo("PT1S");
	}

	@Test
	void expiriesAreCountedByRouteAndUnmatchedPathsAreTheDefaultRoute() throws Exception {
		double sleepBefore = exceeded("/sleep");
		double defaultBefore = exceeded("default");
		get("/sleep", null);
		get("/default/sleep", "200");
		assertThat(exceeded("/sleep")).isEqualTo(sleepBefore + 1);
		assertThat(exceeded("default")).isEqualTo(defaultBefore + 1);
	}

	@Test
	void theMdcHoldsNoDeadlineUnlessAskedTo() throws Exception {
		assertThat(get("/mdc", null).response.body()).isEqualTo("null");
	}

	private double exceeded(String route) {
		return this.registry.get("sluice.deadline.exceeded").tag("route", route).counter().count();
	}

	private Timed get(String path, String budget) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path));
		if (budget != null) {
			request.header("X-Request-Timeout-Ms", budget);
		}
		long start = System.nanoTime();
		HttpResponse<String> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
		return new Timed(response, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
	}

	record Timed(HttpResponse<String> response, long millis) {
	}

}
