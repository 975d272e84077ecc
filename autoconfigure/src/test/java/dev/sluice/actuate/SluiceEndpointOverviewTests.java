package dev.sluice.actuate;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.sluice.core.SluiceThreads;
import dev.sluice.group.TaskGroup;
import dev.sluice.group.TaskGroups;
import dev.sluice.pool.ThreadKind;
import dev.sluice.pool.WhenFull;
import dev.sluice.pool.WorkerPool;
import dev.sluice.pool.WorkerPoolSpec;
import dev.sluice.pool.WorkerPools;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(classes = SluiceEndpointOverviewTests.App.class, webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "management.endpoints.web.exposure.include=sluice,health",
				"management.endpoint.health.show-details=always", "sluice.pools.reports.size=2",
				"sluice.rate-limit.rules[0].name=hello", "sluice.rate-limit.rules[0].paths=/hello",
				"sluice.rate-limit.rules[0].limits[0].capacity=5", "sluice.rate-limit.rules[0].limits[0].refill=5",
				"sluice.rate-limit.rules[0].limits[0].period=1m", "sluice.deadline.routes[0].paths=/reports/**",
				"sluice.deadline.routes[0].timeout=30s" })
@DirtiesContext
class SluiceEndpointOverviewTests {

	@LocalServerPort
	int port;

	@Autowired
	@Qualifier("reports")
	WorkerPool reports;

	@Autowired
	WorkerPools workerPools;

	@Autowired
	TaskGroups taskGroups;

	@Test
	void overviewShowsPoolsRulesDeadlinesConcurrencyTaskGroupsAndShutdown() throws Exception {
		JsonNode overview = json("/actuator/sluice");
		JsonNode pool = overview.get("pools").get("reports");
		assertThat(pool.get("threads").asString()).isEqualTo("platform");
		assertThat(pool.get("size").asInt()).isEqualTo(2);
		assertThat(pool.get("capacity").asInt()).isEqualTo(100);
		assertThat(overview.get("rateLimit").get("rules").get("hello").get("keys").asLong()).isZero();
		assertThat(overview.get("deadline").get("status").asInt()).isEqualTo(504);
		assertThat(overview.get("deadline").get("routes").get(0).get("route").asString()).isEqualTo("/reports/**");
		assertThat(overview.get("deadline").get("routes").get(1).get("route").asString()).isEqualTo("default");
		// this request, and perhaps the tail of one a previous test made
		assertThat(overview.get("concurrency").get("inFlightRequests").asInt()).isBetween(1, 2);
		assertThat(overview.get("taskGroups").get("active").asInt()).isZero();
		assertThat(overview.get("shutdown").get("state").asString()).isEqualTo("RUNNING");
	}

	@Test
	void healthReportsPoolSaturation() throws Exception {
		JsonNode health = json("/actuator/health/sluice");
		assertThat(health.get("status").asString()).isEqualTo("UP");
		assertThat(health.get("details").get("pools").get("reports").get("size").asInt()).isEqualTo(2);
		assertThat(health.get("details").get("rateLimitStore").asString()).isEqualTo("available");
	}

	@Test
	void tasksViewListsALongRunningPoolTaskAndARunningSubtaskWithIdsAgesAndStacks() throws Exception {
		assertTasksListed(this.reports, false);
	}

	@Test
	@org.junit.jupiter.api.condition.EnabledForJreRange(min = org.junit.jupiter.api.condition.JRE.JAVA_21)
	void onVirtualThreadsTooWhichTheJdkThreadDumpLeavesOut() throws Exception {
		WorkerPool virtual = this.workerPools.create(new WorkerPoolSpec("virtual-reports", ThreadKind.VIRTUAL, 2, 10,
				WhenFull.REJECT, Duration.ofMillis(50), Duration.ZERO, Duration.ofSeconds(60),
				WorkerPoolSpec.RetryPolicy.NONE, Duration.ofSeconds(5), false));
		assertThat(SluiceThreads.virtualThreadsAvailable()).isTrue();
		assertTasksListed(virtual, true);
	}

	private void assertTasksListed(WorkerPool pool, boolean virtual) throws Exception {
		CountDownLatch started = new CountDownLatch(2);
		CountDownLatch release = new CountDownLatch(1);
		pool.submit("report-7", () -> {
			started.countDown();
			release.await(10, TimeUnit.SECONDS);
			return null;
		});
		Thread joiner = new Thread(() -> {
			try (TaskGroup group = this.taskGroups.open()) {
				group.fork(() -> {
					started.countDown();
					return release.await(10, TimeUnit.SECONDS);
				});
				group.join();
			}
		});
		joiner.start();
		try {
			assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
			Thread.sleep(20);
			JsonNode tasks = json("/actuator/sluice/tasks").get("tasks");
			JsonNode poolTask = find(tasks, "report-7");
			assertThat(poolTask.get("pool").asString()).isEqualTo(pool.getName());
			assertThat(poolTask.get("ageMillis").asLong()).isGreaterThanOrEqualTo(20);
			assertThat(poolTask.get("virtual").asBoolean()).isEqualTo(virtual);
			assertThat(poolTask.get("stackTrace").toString()).contains("CountDownLatch.await");
			JsonNode subtask = null;
			for (JsonNode task : tasks) {
				if (task.get("pool").asString().equals("task-group")) {
					subtask = task;
				}
			}
			assertThat(subtask).as("a task-group subtask in %s", tasks).isNotNull();
			assertThat(subtask.get("id").asString()).matches("group-\\d+-1");
			assertThat(subtask.get("virtual").asBoolean()).isEqualTo(SluiceThreads.virtualThreadsAvailable());
			assertThat(subtask.get("stackTrace").toString()).contains("CountDownLatch.await");
		}
		finally {
			release.countDown();
			joiner.join(10_000);
		}
	}

	private static JsonNode find(JsonNode tasks, String id) {
		for (JsonNode task : tasks) {
			if (task.get("id").asString().equals(id)) {
				return task;
			}
		}
		throw new AssertionError("no task " + id + " in " + tasks);
	}

	private JsonNode json(String path) {
		String body = RestClient.create("http://127.0.0.1:" + this.port).get().uri(path).retrieve().body(String.class);
		return JsonMapper.builder().build().readTree(body);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
