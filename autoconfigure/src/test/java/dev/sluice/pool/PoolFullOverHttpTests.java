package dev.sluice.pool;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.pools.jobs.size=1", "sluice.pools.jobs.queue-capacity=1",
				"sluice.pools.jobs.drain-timeout=5s" })
@DirtiesContext
class PoolFullOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Autowired
	JobController jobs;

	@Test
	void whenThePoolIsSaturatedThenSubmitFromAHandlerAnswers503WithRetryAfterAndAProblemBody() throws Exception {
		assertThat(post().statusCode()).isEqualTo(202); // runs, blocks
		this.jobs.started.await(5, TimeUnit.SECONDS);
		assertThat(post().statusCode()).isEqualTo(202); // queued

		HttpResponse<String> full = post();
		assertThat(full.statusCode()).isEqualTo(503);
		assertThat(full.headers().firstValue("Retry-After")).hasValue("1");
		assertThat(full.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/problem+json"));
		JsonNode problem = JsonMapper.builder().build().readTree(full.body());
		assertThat(problem.get("status").asInt()).isEqualTo(503);
		assertThat(problem.get("title").asString()).isEqualTo("Service Unavailable");
		assertThat(problem.get("type").asString()).isNotBlank();
		assertThat(problem.get("detail").asString()).contains("jobs");
		assertThat(problem.get("instance").asString()).isEqualTo("/jobs");
		assertThat(problem.get("pool").asString()).isEqualTo("jobs");

		this.jobs.release.countDown();
		org.awaitility.Awaitility.await()
			.atMost(java.time.Duration.ofSeconds(5))
			.until(() -> this.jobs.pool.getActiveCount() == 0 && this.jobs.pool.getQueuedCount() == 0);
		assertThat(post().statusCode()).isEqualTo(202);
	}

	private HttpResponse<String> post() throws Exception {
		HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + this.port + "/jobs"))
			.POST(HttpRequest.BodyPublishers.noBody())
			.build();
		return this.http.send(request, HttpResponse.BodyHandlers.ofString());
	}

	@SpringBootApplication
	static class TestApplication {

		@Bean
		JobController jobController(@Qualifier("jobs") WorkerPool pool) {
			return new JobController(pool);
		}

	}

	@RestController
	static class JobController {

		final WorkerPool pool;

		final CountDownLatch started = new CountDownLatch(1);

		final CountDownLatch release = new CountDownLatch(1);

		JobController(WorkerPool pool) {
			this.pool = pool;
		}

		@PostMapping("/jobs")
		@org.springframework.web.bind.annotation.ResponseStatus(org.springframework.http.HttpStatus.ACCEPTED)
		void submit() {
			this.pool.submit("job", () -> {
				this.started.countDown();
				WorkerPoolTests.awaitQuietly(this.release);
			});
		}

	}

}
