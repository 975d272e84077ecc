package dev.sluice.actuate;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.SluiceThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "management.endpoints.web.exposure.include=sluice")
@DirtiesContext
class SluiceEndpointTests {

	@LocalServerPort
	int port;

	@Autowired
	RunningTasks runningTasks;

	@Test
	void tasksViewListsARunningTaskWithItsIdAgeAndStackOnAPlatformThread() throws Exception {
		assertTaskIsListed(SluiceThreads.platform("endpoint-test", true), false);
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void tasksViewListsARunningTaskOnAVirtualThreadWhichTheJdkThreadDumpLeavesOut() throws Exception {
		assertTaskIsListed(SluiceThreads.virtual("endpoint-test"), true);
	}

	@Test
	void otherViewsAreNotFound() {
		assertThatExceptionOfType(HttpClientErrorException.NotFound.class)
			.isThrownBy(() -> client().get().uri("/actuator/sluice/nothing").retrieve().body(String.class));
	}

	private void assertTaskIsListed(ThreadFactory threads, boolean virtual) throws Exception {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Thread worker = threads.newThread(() -> {
			try (RunningTasks.Running running = this.runningTasks.start("reports", "report-42")) {
				started.countDown();
				parkInRecognisableFrame(release);
			}
		});
		worker.start();
		try {
			started.await();
			Thread.sleep(50);
			JsonNode tasks = JsonMapper.builder()
				.build()
				.readTree(client().get().uri("/actuator/sluice/tasks").retrieve().body(String.class))
				.get("tasks");
			assertThat(tasks).hasSize(1);
			JsonNode task = tasks.get(0);
			assertThat(task.get("id").asString()).isEqualTo("report-42");
			assertThat(task.get("pool").asString()).isEqualTo("reports");
			assertThat(task.get("ageMillis").asLong()).isGreaterThanOrEqualTo(50);
			assertThat(task.get("thread").asString()).startsWith("sluice-endpoint-test-");
			assertThat(task.get("virtual").asBoolean()).isEqualTo(virtual);
			assertThat(task.get("stackTrace").toString()).contains("parkInRecognisableFrame");
		}
		finally {
			release.countDown();
			worker.join();
		}
		JsonNode after = JsonMapper.builder()
			.build()
			.readTree(client().get().uri("/actuator/sluice/tasks").retrieve().body(String.class));
		assertThat(after.get("tasks")).isEmpty();
	}

	private static void parkInRecognisableFrame(CountDownLatch release) {
		try {
			release.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private RestClient client() {
		return RestClient.create("http://localhost:" + this.port);
	}

	@SpringBootApplication
	static class TestApplication {

	}

}
