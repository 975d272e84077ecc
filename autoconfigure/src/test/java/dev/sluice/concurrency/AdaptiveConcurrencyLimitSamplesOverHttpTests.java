package dev.sluice.concurrency;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each kind of answer teaches the adaptive limit, with AIMD (a drop multiplies the limit by the backoff
 * ratio; one request at a time never raises it): 5xx answers and passed deadlines are drops, 4xx answers give
 * no sample, 2xx answers are samples.
 */
@SpringBootTest(classes = ConcurrencyLimitTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.concurrency-limit.mode=adaptive", "sluice.concurrency-limit.adaptive.algorithm=aimd",
				"sluice.concurrency-limit.adaptive.initial-limit=20", "sluice.concurrency-limit.adaptive.min-limit=2",
				"sluice.concurrency-limit.adaptive.aimd.backoff-ratio=0.5",
				"sluice.deadline.routes[0].paths=/late", "sluice.deadline.routes[0].timeout=200ms",
				"management.endpoints.web.exposure.include=sluice" })
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
		this.endpoints.workMillis = 1;
		assertThat(status("/missing")).isEqualTo(404);
		assertThat(status("/missing")).isEqualTo(404);
		assertThat(this.limiter.getLimit()).isEqualTo(20);
		assertThat(status("/work")).isEqualTo(200);
		assertThat(this.limiter.getLimit()).isEqualTo(20);
		assertThat(status("/fail")).isEqualTo(500);
		assertThat(this.limiter.getLimit()).isEqualTo(10);
		assertThat(status("/late")).isEqualTo(504);
		assertThat(this.limiter.getLimit()).isEqualTo(5);
		Map<String, Object> algorithm = algorithm();
		assertThat(algorithm).containsEntry("succeeded", 1L).containsEntry("dropped", 2L).containsEntry("ignored", 2L);

		String overview = this.http
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/actuator/sluice")).build(),
					HttpResponse.BodyHandlers.ofString())
			.body();
		assertThat(overview).contains("\"mode\":\"adaptive\"", "\"limit\":5", "\"inFlight\":1", "\"rejected\":0",
				"\"name\":\"aimd\"", "\"dropped\":2", "\"lastRttMillis\""); // the /actuator/sluice request is the one in flight
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
