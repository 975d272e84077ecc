package dev.sluice.concurrency;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What each kind of answer teaches the adaptive limit, with AIMD (a drop multiplies the
 * limit by the backoff ratio; one request at a time never raises it): 5xx answers and
 * passed deadlines are drops, 4xx answers give no sample, 2xx answers are samples.
 */
@SpringBootTest(classes = ConcurrencyLimitTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.concurrency-limit.mode=adaptive", "sluice.concurrency-limit.adaptive.algorithm=aimd",
				"sluice.concurrency-limit.adaptive.initial-limit=20", "sluice.concurrency-limit.adaptive.min-limit=2",
				"sluice.concurrency-limit.adaptive.aimd.backoff-ratio=0.5", "sluice.deadline.routes[0].paths=/late",
				"sluice.deadline.routes[0].timeout=200ms", "management.endpoints.web.exposure.include=sluice" })
@DirtiesContext
class AdaptiveConcurrencyLimitSamplesOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	ConcurrencyLimitTestApp.Endpoints endpoints;

	@Autowired
	ConcurrencyLimiter limiter;

	@Test
	void fiveHundredsAndPassedDeadlinesAreDropsFourHundredsAreNoSampleAndSuccessesAreSamples() throws Exception {
		// a client can read the whole answer a moment before the filter releases the
		// permit: await each sample
		this.endpoints.workMillis = 1;
		assertThat(status("/missing")).isEqualTo(404);
		assertThat(status("/missing")).isEqualTo(404);
		awaitSamples(0, 0, 2);
		assertThat(this.limiter.getLimit()).isEqualTo(20);
		assertThat(status("/work")).isEqualTo(200);
		awaitSamples(1, 0, 2);
		assertThat(this.limiter.getLimit()).isEqualTo(20);
		assertThat(status("/fail")).isEqualTo(500);
		awaitSamples(1, 1, 2);
		assertThat(this.limiter.getLimit()).isEqualTo(10);
		assertThat(status("/late")).isEqualTo(504);
		awaitSamples(1, 2, 2);
		assertThat(this.limiter.getLimit()).isEqualTo(5);

		String overview = this.http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/sluice")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
		assertThat(overview).contains("\"mode\":\"adaptive\"", "\"limit\":5", "\"inFlight\":1", "\"rejected\":0",
				"\"name\":\"aimd\"", "\"dropped\":2", "\"lastRttMillis\""); // the
																			// /actuator/sluice
																			// request is
																			// the one in
																			// flight
	}

	private void awaitSamples(long succeeded, long dropped, long ignored) {
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(algorithm()).containsEntry("succeeded", succeeded)
				.containsEntry("dropped", dropped)
				.containsEntry("ignored", ignored));
	}

	@SuppressWarnings("unchecked")
	private Map<String, Object> algorithm() {
		return (Map<String, Object>) this.limiter.describe().get("algorithm");
	}

	private int status(String path) throws Exception {
		return this.http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.discarding())
			.statusCode();
	}

}
