package dev.sluice.sample;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exercises every capability of the running sample app, then reads
 * {@code /actuator/prometheus} and finds each meter of the contract with its documented
 * tags.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
class PrometheusMetersTests {

	@LocalServerPort
	int port;

	@Test
	void everySluiceMeterTheAppExercisesIsExportedWithItsTags() {
		for (int i = 0; i < 6; i++) {
			status("/hello");
		}
		status("/api/items");
		client().post().uri("/signup?email=grace@example.com").retrieve().toBodilessEntity();
		status("/page/3");
		status("/reports/slow?millis=3000");
		await().atMost(Duration.ofSeconds(10))
			.until(() -> scrape().contains("sluice_pool_tasks_total{outcome=\"completed\",pool=\"emails\"} 1.0"));
		String metrics = scrape();
		assertThat(metrics).contains("sluice_pool_tasks_total{outcome=\"rejected\",pool=\"emails\"}")
			.contains("sluice_pool_queue_wait_seconds_count{pool=\"emails\"}")
			.contains("sluice_pool_task_duration_seconds_count{pool=\"emails\"}")
			.contains("sluice_pool_active{pool=\"emails\"}")
			.contains("sluice_pool_queued{pool=\"emails\"}")
			.contains("executor_pool_max_threads{name=\"emails\"}")
			.contains("sluice_ratelimit_requests_total{outcome=\"allowed\",rule=\"hello\"} 5.0")
			.contains("sluice_ratelimit_requests_total{outcome=\"rejected\",rule=\"hello\"} 1.0")
			.contains("sluice_ratelimit_requests_total{outcome=\"store_error\",rule=\"hello\"}")
			.contains("sluice_ratelimit_keys{rule=\"hello\"} 1.0")
			.contains("sluice_concurrency_in_flight ")
			.contains("sluice_concurrency_rejected_total ")
			.contains("sluice_concurrency_limit 200.0")
			.contains("sluice_deadline_exceeded_total{route=\"/reports/**\"} 1.0")
			.contains("sluice_deadline_exceeded_total{route=\"default\"}")
			.contains("sluice_task_groups_active ")
			.contains("sluice_shutdown_tasks_total{outcome=\"abandoned\",reason=\"interrupted\"}")
			.contains("sluice_shutdown_tasks_total{outcome=\"abandoned\",reason=\"never_started\"}")
			.contains("sluice_shutdown_tasks_total{outcome=\"abandoned\",reason=\"still_running\"}");
		assertThat(metrics).doesNotContain("127.0.0.1").doesNotContain("grace@example.com");
	}

	private int status(String path) {
		ResponseEntity<Void> response = client().get()
			.uri(path)
			.exchange((request, result) -> ResponseEntity.status(result.getStatusCode()).build());
		return response.getStatusCode().value();
	}

	private String scrape() {
		return client().get().uri("/actuator/prometheus").retrieve().body(String.class);
	}

	private RestClient client() {
		return RestClient.create("http://127.0.0.1:" + this.port);
	}

}
