package dev.sluice.sample;

import java.time.Duration;

import dev.sluice.safety.HandlerSafetyCheck;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "sluice.handler-safety.mode=fail")
@DirtiesContext
class SampleApplicationTests {

	@LocalServerPort
	int port;

	@Autowired
	HandlerSafetyCheck handlerSafety;

	@Test
	void handlerSafetyFindsNoSharedMutableStateInTheSampleApp() {
		// started in fail mode: a finding would have failed the context already
		assertThat(this.handlerSafety.getPackages()).containsExactly(SampleApplication.class.getPackageName());
		assertThat(this.handlerSafety.inspect()).isEmpty();
	}

	@Test
	void sampleAppStartsAndReportsHealthUp() {
		String health = client().get().uri("/actuator/health").retrieve().body(String.class);
		assertThat(health).contains("\"status\":\"UP\"");
	}

	@Test
	void signupDispatchesTheWelcomeEmailToTheEmailsPool() {
		ResponseEntity<String> signup = client().post()
			.uri("/signup?email=ada@example.com")
			.retrieve()
			.toEntity(String.class);
		assertThat(signup.getStatusCode().value()).isEqualTo(202);
		assertThat(signup.getBody()).contains("welcome-ada@example.com");
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(client().get()
				.uri("/actuator/metrics/sluice.pool.tasks?tag=pool:emails&tag=outcome:completed")
				.retrieve()
				.body(String.class)).contains("\"value\":1.0"));
	}

	@Test
	void fanOutPageTakesAsLongAsTheSlowerDownstreamNotTheSum() {
		client().get().uri("/page/warm-up").retrieve().body(String.class);
		String page = client().get().uri("/page/7").retrieve().body(String.class);
		assertThat(page).contains("User 7").contains("first post of 7");
		long took = Long.parseLong(page.replaceAll(".*\"tookMillis\":(\\d+).*", "$1"));
		assertThat(took).as("sequential calls would take 700 ms or more").isBetween(400L, 690L);
	}

	@Test
	void fanOutPageWithATighterGroupBudgetAnswers504AtThatBudget() {
		client().get().uri("/page/warm-up").retrieve().body(String.class);
		long start = System.nanoTime();
		ResponseEntity<String> page = client().get()
			.uri("/page/7?budgetMs=200")
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.body(new String(response.getBody().readAllBytes())));
		long millis = (System.nanoTime() - start) / 1_000_000;
		assertThat(page.getStatusCode().value()).isEqualTo(504);
		assertThat(page.getBody()).contains("\"status\":504");
		assertThat(millis).isBetween(200L, 1_000L);
	}

	@Test
	void slowReportAnswers504AtItsRouteDeadline() {
		long start = System.nanoTime();
		ResponseEntity<String> report = client().get()
			.uri("/reports/slow")
			.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
				.body(new String(response.getBody().readAllBytes())));
		long millis = (System.nanoTime() - start) / 1_000_000;
		assertThat(report.getStatusCode().value()).isEqualTo(504);
		assertThat(report.getBody()).contains("deadline");
		assertThat(millis).isBetween(2_000L, 2_500L);
	}

	@Test
	void helloIsLimitedPerClientIpWithAnHonestRetryAfter() {
		int[] statuses = new int[6];
		String retryAfter = null;
		for (int i = 0; i < 6; i++) {
			ResponseEntity<String> hello = client().get()
				.uri("/hello")
				.exchange((request, response) -> ResponseEntity.status(response.getStatusCode())
					.headers(response.getHeaders())
					.body(""));
			statuses[i] = hello.getStatusCode().value();
			retryAfter = hello.getHeaders().getFirst("Retry-After");
		}
		assertThat(statuses).containsExactly(200, 200, 200, 200, 200, 429);
		assertThat(Long.parseLong(retryAfter)).isBetween(1L, 12L);
	}

	private RestClient client() {
		return RestClient.create("http://localhost:" + this.port);
	}

}
