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

/**
 * Budgets a mesh states on the way in ({@code sluice.deadline.inbound-headers}): Envoy's
 * milliseconds and gRPC's {@code grpc-timeout} shorten a 1 s route and never lengthen it;
 * the problem body names the deadline that applied. With {@code mdc: true} the handler's
 * MDC holds the remaining budget at request start.
 */
@SpringBootTest(classes = DeadlineTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.deadline.routes[0].paths=/sleep,/mdc", "sluice.deadline.routes[0].timeout=1s",
				"sluice.deadline.inbound-headers=X-Request-Timeout-Ms,x-envoy-expected-rq-timeout-ms,grpc-timeout",
				"sluice.deadline.mdc=true" })
@DirtiesContext
class DeadlineInboundHeadersOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Test
	void envoysExpectedRequestTimeoutShortensA1SRouteTo200Ms() throws Exception {
		Timed timed = get("/sleep", "x-envoy-expected-rq-timeout-ms", "200");
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.response.body()).contains("deadline of 200 ms passed");
		assertThat(timed.millis).isBetween(200L, 500L);
	}

	@Test
	void anInboundBudgetLargerThanTheRouteTimeoutChangesNothing() throws Exception {
		Timed timed = get("/sleep", "x-envoy-expected-rq-timeout-ms", "5000");
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.response.body()).contains("deadline of 1000 ms passed");
		assertThat(timed.millis).isBetween(1_000L, 1_300L);
		Timed grpc = get("/sleep", "grpc-timeout", "1H");
		assertThat(grpc.response.body()).contains("deadline of 1000 ms passed");
	}

	@Test
	void aGrpcTimeoutOf250mIsRead250Ms() throws Exception {
		Timed timed = get("/sleep", "grpc-timeout", "250m");
		assertThat(timed.response.statusCode()).isEqualTo(504);
		assertThat(timed.response.body()).contains("deadline of 250 ms passed");
		assertThat(timed.millis).isBetween(250L, 550L);
	}

	@Test
	void malformedInboundBudgetsAreIgnored() throws Exception {
		for (String[] bad : new String[][] { { "grpc-timeout", "250" }, { "grpc-timeout", "250ms" },
				{ "grpc-timeout", "123456789m" }, { "x-envoy-expected-rq-timeout-ms", "-200" },
				{ "x-envoy-expected-rq-timeout-ms", "200ms" } }) {
			Timed timed = get("/sleep", bad[0], bad[1]);
			assertThat(timed.response.body()).as("%s: %s", bad[0], bad[1]).contains("deadline of 1000 ms passed");
		}
	}

	@Test
	void theRemainingBudgetAtRequestStartIsInTheMdcAsDeadline() throws Exception {
		Timed timed = get("/mdc", "grpc-timeout", "2S");
		assertThat(timed.response.statusCode()).isEqualTo(200);
		assertThat(Long.parseLong(timed.response.body())).isPositive().isLessThanOrEqualTo(1_000);
		Timed shortened = get("/mdc", "x-envoy-expected-rq-timeout-ms", "600");
		assertThat(Long.parseLong(shortened.response.body())).isPositive().isLessThanOrEqualTo(600);
	}

	private Timed get(String path, String header, String value) throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.header(header, value)
			.build();
		long start = System.nanoTime();
		HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		return new Timed(response, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
	}

	record Timed(HttpResponse<String> response, long millis) {
	}

}
