package dev.sluice.shutdown;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.sluice.testapps.shutdown.ShutdownTestApp;
import org.junit.jupiter.api.Test;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ReadinessDelayTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@Test
	void duringTheReadinessDelayReadinessIsOutOfServiceWhileRequestsAreStillServed() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(ShutdownTestApp.class).run(
				"--server.port=0", "--sluice.pools.jobs.size=1", "--sluice.shutdown.readiness-delay=3s",
				"--management.endpoint.health.probes.enabled=true",
				"--management.endpoints.web.exposure.include=health");
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		assertThat(get(port, "/actuator/health/readiness").statusCode()).isEqualTo(200);
		GracefulShutdown shutdown = context.getBean(GracefulShutdown.class);

		long closeStarted = System.nanoTime();
		Thread closer = new Thread(context::close, "readiness-test-closer");
		closer.start();
		await().atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
			HttpResponse<String> readiness = get(port, "/actuator/health/readiness");
			assertThat(readiness.statusCode()).isEqualTo(503);
			assertThat(readiness.body()).contains("OUT_OF_SERVICE");
		});
		assertThat(shutdown.getState()).isEqualTo(GracefulShutdown.State.READINESS_DELAY);
		HttpResponse<String> served = get(port, "/hello");
		assertThat(served.statusCode()).isEqualTo(200);
		assertThat(served.body()).isEqualTo("hello");
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStarted)).isLessThan(3_000);

		closer.join(15_000);
		assertThat(closer.isAlive()).isFalse();
		assertThat(context.isActive()).isFalse();
		assertThat(shutdown.getState()).isEqualTo(GracefulShutdown.State.STOPPED);
		assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStarted)).isGreaterThanOrEqualTo(3_000);
	}

	private HttpResponse<String> get(int port, String path) throws Exception {
		return this.http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
				HttpResponse.BodyHandlers.ofString());
	}

}
