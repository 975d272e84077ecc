package dev.sluice.deadline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code WebClient} calls and Spring HTTP interface ({@code @HttpExchange}) clients over
 * {@code RestClient} carry the remaining budget, are cut at the deadline and fail before
 * connecting once it passed. With {@code interrupt: false}, so that what cuts a call is
 * the client's own bound, not the watchdog's interrupt of the handler. The echo calls run
 * under the 10 s default, so that a first call's warm-up on a busy machine cannot use up
 * their budget.
 */
@SpringBootTest(classes = DeadlineTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.deadline.interrupt=false", "sluice.deadline.default-timeout=10s",
				"sluice.deadline.routes[0].paths=/call/webclient/slow,/call/webclient/after-expiry,/call/exchange/slow",
				"sluice.deadline.routes[0].timeout=1s" })
@DirtiesContext
class DeadlineOtherClientsOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Test
	void aWebClientCallCarriesTheRemainingBudgetInTheHeader() throws Exception {
		HttpResponse<String> response = get("/call/webclient/echo");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(Long.parseLong(response.body())).isPositive().isLessThan(10_000);
	}

	@Test
	void aWebClientCallSubscribedOnAnotherThreadCarriesTheDeadlineOfTheThreadThatBuiltIt() throws Exception {
		HttpResponse<String> response = get("/call/webclient/echo-subscribed-elsewhere");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(Long.parseLong(response.body())).isPositive().isLessThan(10_000);
	}

	@Test
	void aWebClientCallToASlowDownstreamIsCutAtTheDeadline() throws Exception {
		assertAnsweredAtTheDeadline("/call/webclient/slow");
	}

	@Test
	void aWebClientCallAfterTheDeadlineFailsFastWithoutConnecting() throws Exception {
		try (DeadlineTestApp.CountingListener listener = new DeadlineTestApp.CountingListener()) {
			HttpResponse<String> response = get("/call/webclient/after-expiry?port=" + listener.port());
			assertThat(response.statusCode()).isEqualTo(504);
			assertThat(response.body()).contains("deadline-exceeded");
			await().during(java.time.Duration.ofMillis(200))
				.atMost(java.time.Duration.ofSeconds(1))
				.until(() -> listener.accepted.get() == 0);
		}
	}

	@Test
	void anHttpInterfaceClientOverRestClientCarriesTheRemainingBudgetInTheHeader() throws Exception {
		HttpResponse<String> response = get("/call/exchange/echo");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(Long.parseLong(response.body())).isPositive().isLessThan(10_000);
	}

	@Test
	void anHttpInterfaceClientCallToASlowDownstreamIsCutAtTheDeadline() throws Exception {
		assertAnsweredAtTheDeadline("/call/exchange/slow");
	}

	private void assertAnsweredAtTheDeadline(String path) throws Exception {
		long start = System.nanoTime();
		HttpResponse<String> response = get(path);
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
		assertThat(response.statusCode()).isEqualTo(504);
		assertThat(response.body()).contains("deadline-exceeded");
		assertThat(millis).as("answered at the 1 s deadline, not after the 5 s downstream").isBetween(1_000L, 1_500L);
	}

	private HttpResponse<String> get(String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
