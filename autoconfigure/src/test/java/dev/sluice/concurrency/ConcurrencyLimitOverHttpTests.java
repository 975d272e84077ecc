package dev.sluice.concurrency;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(classes = ConcurrencyLimitTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.concurrency-limit.max-in-flight=3", "sluice.concurrency-limit.paths=/slow",
				"management.endpoints.web.exposure.include=metrics" })
@DirtiesContext
class ConcurrencyLimitOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	ConcurrencyLimitTestApp.Endpoints endpoints;

	@Autowired
	ConcurrencyLimiter limiter;

	@Test
	void withNSlowRequestsInFlightTheNextGets503AtOnceAndNeverMoreThanNRun() throws Exception {
		this.endpoints.release = new CountDownLatch(1);
		List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			inFlight.add(this.http.sendAsync(request("/slow"), HttpResponse.BodyHandlers.ofString()));
		}
		await().atMost(Duration.ofSeconds(10))
			.until(() -> this.endpoints.running.get() == 3
					&& inFlight.stream().filter(CompletableFuture::isDone).count() == 17);

		long start = System.nanoTime();
		HttpResponse<String> next = this.http.send(request("/slow"), HttpResponse.BodyHandlers.ofString());
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1_000);
		assertThat(next.statusCode()).isEqualTo(503);
		assertThat(next.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(this.http.send(request("/free"), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

		this.endpoints.release.countDown();
		long ok = 0;
		long refused = 0;
		for (CompletableFuture<HttpResponse<String>> response : inFlight) {
			int status = response.get(10, TimeUnit.SECONDS).statusCode();
			ok += (status == 200) ? 1 : 0;
			refused += (status == 503) ? 1 : 0;
		}
		assertThat(ok).isEqualTo(3);
		assertThat(refused).isEqualTo(17);
		assertThat(this.endpoints.highWater).hasValue(3);
		assertThat(this.limiter.getRejected()).isEqualTo(18);
		// a client can read a whole response a moment before the filter releases its
		// permit
		await().atMost(Duration.ofSeconds(5)).until(() -> this.limiter.getInFlight() == 0);
		assertThat(meter("sluice.concurrency.rejected")).isEqualTo(18.0);
		assertThat(meter("sluice.concurrency.in_flight")).isZero();
		assertThat(meter("sluice.concurrency.limit")).isEqualTo(3.0);
	}

	private double meter(String name) throws Exception {
		String body = this.http.send(request("/actuator/metrics/" + name), HttpResponse.BodyHandlers.ofString()).body();
		JsonNode meter = JsonMapper.builder().build().readTree(body);
		assertThat(meter.get("availableTags")).as(name + " has no tags").isEmpty();
		return meter.get("measurements").get(0).get("value").asDouble();
	}

	private HttpRequest request(String path) {
		return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build();
	}

}
