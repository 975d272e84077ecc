package dev.sluice.concurrency;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Spring Framework's own {@code @ConcurrencyLimit(policy = REJECT)} on a controller
 * method: the call beyond its limit throws {@code InvocationRejectedException}, which
 * Sluice answers like a full pool.
 */
@SpringBootTest(classes = ConcurrencyLimitTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
class ConcurrencyLimitAnnotationOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	ConcurrencyLimitTestApp.Gate gate;

	@Test
	void aCallBeyondAConcurrencyLimitWithPolicyRejectIsAnswered503WithRetryAfterAndAProblem() throws Exception {
		this.gate.open = new CountDownLatch(1);
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/one-at-a-time"))
			.build();
		CompletableFuture<HttpResponse<String>> first = this.http.sendAsync(request,
				HttpResponse.BodyHandlers.ofString());
		await().atMost(Duration.ofSeconds(10)).until(() -> this.gate.entered.get() == 1);

		HttpResponse<String> second = this.http.send(request, HttpResponse.BodyHandlers.ofString());
		assertThat(second.statusCode()).isEqualTo(503);
		assertThat(second.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(second.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(second.body()).contains("\"status\":503",
				"\"type\":\"https://sluice.dev/problems/concurrency-limit\"", "\"instance\":\"/one-at-a-time\"");

		this.gate.open.countDown();
		assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		assertThat(this.gate.entered.get()).isEqualTo(1);
	}

}
