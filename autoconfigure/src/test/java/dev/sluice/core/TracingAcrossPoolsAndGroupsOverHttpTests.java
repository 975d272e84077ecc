package dev.sluice.core;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.sluice.deadline.Deadline;
import dev.sluice.group.TaskGroup;
import dev.sluice.group.TaskGroups;
import dev.sluice.pool.WorkerPool;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.ObservationView;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Over real HTTP with Micrometer Tracing on OpenTelemetry and an in-memory exporter: a
 * request that forks two subtasks and submits a pool task is one trace, the task's MDC
 * carries the request's trace id, and the worker threads are clean afterwards. One pool
 * worker and one task-group thread, so the probes afterwards run on the very threads the
 * request's work ran on.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.pools.jobs.size=1", "sluice.pools.jobs.queue-capacity=4",
				"sluice.task-groups.threads=platform", "sluice.task-groups.max-threads=1", "sluice.pools.tiny.size=1",
				"sluice.pools.tiny.queue-capacity=0", "sluice.deadline.default-timeout=10s",
				"sluice.deadline.routes[0].paths=/slow", "sluice.deadline.routes[0].timeout=300ms",
				"sluice.rate-limit.rules[0].name=once", "sluice.rate-limit.rules[0].paths=/limited",
				"sluice.rate-limit.rules[0].key=global", "sluice.rate-limit.rules[0].limits[0].capacity=1",
				"sluice.rate-limit.rules[0].limits[0].refill=1", "sluice.rate-limit.rules[0].limits[0].period=1h",
				"management.tracing.sampling.probability=1.0" })
@AutoConfigureTracing
@DirtiesContext
class TracingAcrossPoolsAndGroupsOverHttpTests {

	@LocalServerPort
	int port;

	@Autowired
	InMemorySpanExporter spans;

	@Autowired
	WorkController work;

	@Autowired
	@Qualifier("jobs")
	WorkerPool jobs;

	@Autowired
	TaskGroups taskGroups;

	@Test
	void aRequestThatForksSubtasksAndSubmitsAPoolTaskIsOneTraceAndLeavesNothingOnTheWorkers() throws Exception {
		HttpResponse<String> response = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/work")).build(),
					HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(200);

		await().atMost(Duration.ofSeconds(20))
			.until(() -> this.spans.getFinishedSpanItems()
				.stream()
				.anyMatch((span) -> span.getKind() == SpanKind.SERVER && span.getName().contains("/work")));
		List<SpanData> finished = this.spans.getFinishedSpanItems();
		SpanData request = finished.stream()
			.filter((span) -> span.getKind() == SpanKind.SERVER && span.getName().contains("/work"))
			.findFirst()
			.orElseThrow();
		String traceId = request.getTraceId();
		Map<String, SpanData> byId = finished.stream()
			.collect(Collectors.toMap(SpanData::getSpanId, Function.identity(), (a, b) -> a));
		List<SpanData> pool = named(finished, "pool jobs");
		List<SpanData> subtasks = named(finished, "subtask ");
		List<SpanData> joins = named(finished, "join ");
		assertThat(pool).hasSize(1);
		assertThat(subtasks).hasSize(2);
		assertThat(joins).hasSize(1);
		for (SpanData span : List.of(pool.get(0), subtasks.get(0), subtasks.get(1), joins.get(0))) {
			assertThat(span.getTraceId()).as(span.getName()).isEqualTo(traceId);
			assertThat(isDescendant(span, request, byId)).as(span.getName() + " under the request span").isTrue();
		}
		assertThat(pool.get(0).getAttributes().asMap().toString()).contains("pool=jobs").contains("outcome=completed");
		assertThat(subtasks.get(0).getAttributes().asMap().toString()).contains("outcome=success");

		Seen task = this.work.seen.get("task");
		assertThat(task.mdc()).containsEntry("traceId", traceId).containsEntry("user", "ada");
		assertThat(task.spanTraceId()).isEqualTo(traceId);
		assertThat(task.deadline()).as("inherit-deadline is false: no request deadline in a pool task").isFalse();
		assertThat(task.observationParent()).isEqualTo("http.server.requests");
		for (String name : List.of("subtask-1", "subtask-2")) {
			Seen subtask = this.work.seen.get(name);
			assertThat(subtask.mdc()).as(name).containsEntry("traceId", traceId).containsEntry("user", "ada");
			assertThat(subtask.spanTraceId()).as(name).isEqualTo(traceId);
			assertThat(subtask.deadline()).as("a subtask carries the group's deadline").isTrue();
		}

		// The same worker and the same subtask thread, handed work from a thread without
		// any context: the work is
		// the root of a trace of its own, with none of the request's MDC, span,
		// observation or deadline.
		Seen afterTask = this.jobs.submit("probe", () -> this.work.look()).get(10, TimeUnit.SECONDS);
		assertThat(afterTask.thread()).isEqualTo(task.thread());
		assertClean(afterTask, traceId);
		Seen afterSubtask;
		try (TaskGroup group = this.taskGroups.open()) {
			var probe = group.fork(() -> this.work.look());
			group.join();
			afterSubtask = probe.get();
		}
		assertThat(afterSubtask.thread()).isEqualTo(this.work.seen.get("subtask-1").thread());
		assertClean(afterSubtask, traceId);
	}

	private static void assertClean(Seen seen, String requestTraceId) {
		assertThat(seen.mdc()).doesNotContainKey("user").doesNotContainValue(requestTraceId);
		assertThat(seen.spanTraceId()).isNotEqualTo(requestTraceId);
		assertThat(seen.observationParent()).as("the probe's own observation is a root").isNull();
		assertThat(seen.deadline()).isFalse();
	}

	@Test
	void rejectionsAndAnExpiredDeadlineAreEventsOnTheRequestsSpan() throws Exception {
		assertThat(get("/limited")).isEqualTo(200);
		assertThat(get("/limited")).isEqualTo(429);
		assertThat(get("/slow")).isEqualTo(504);
		assertThat(get("/tiny")).isEqualTo(503); // the second of two blocking tasks finds
													// the pool full

		// A tracer names a span event after the observation event's contextual name.
		assertThat(serverSpanEvents("/limited")).containsExactly("rate limit once rejected the request");
		assertThat(serverSpanEvents("/slow")).containsExactly("deadline of route /slow exceeded");
		assertThat(serverSpanEvents("/tiny")).containsExactly("pool tiny rejected a task");
	}

	private int get(String path) throws Exception {
		return HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path)).build(),
					HttpResponse.BodyHandlers.discarding())
			.statusCode();
	}

	/**
	 * Every event of every server span of the path, once the spans are exported. A
	 * request answered by a filter never reached a handler, so its span is named without
	 * a route: it is found by its URL.
	 */
	private List<String> serverSpanEvents(String path) {
		return await().atMost(Duration.ofSeconds(20))
			.until(() -> this.spans.getFinishedSpanItems()
				.stream()
				.filter((span) -> span.getKind() == SpanKind.SERVER
						&& path.equals(span.getAttributes().get(AttributeKey.stringKey("http.url"))))
				.flatMap((span) -> span.getEvents().stream())
				.map((event) -> event.getName())
				.toList(), (events) -> !events.isEmpty());
	}

	private static List<SpanData> named(List<SpanData> spans, String prefix) {
		return spans.stream().filter((span) -> span.getName().startsWith(prefix)).toList();
	}

	private static boolean isDescendant(SpanData span, SpanData ancestor, Map<String, SpanData> byId) {
		SpanData current = span;
		while (current != null && current.getParentSpanContext().isValid()) {
			if (current.getParentSpanId().equals(ancestor.getSpanId())) {
				return true;
			}
			current = byId.get(current.getParentSpanId());
		}
		return false;
	}

	/** What a piece of work saw on its thread. */
	record Seen(String thread, Map<String, String> mdc, String spanTraceId, String observationParent,
			boolean deadline) {
	}

	@SpringBootApplication
	static class TestApplication {

		@Bean
		InMemorySpanExporter inMemorySpanExporter() {
			return InMemorySpanExporter.create();
		}

		@Bean
		WorkController workController(@Qualifier("jobs") WorkerPool jobs, TaskGroups taskGroups, Tracer tracer,
				ObservationRegistry observations) {
			return new WorkController(jobs, taskGroups, tracer, observations);
		}

		@Bean
		RejectingController rejectingController(@Qualifier("tiny") WorkerPool tiny) {
			return new RejectingController(tiny);
		}

	}

	@RestController
	static class RejectingController {

		private final WorkerPool tiny;

		RejectingController(WorkerPool tiny) {
			this.tiny = tiny;
		}

		@GetMapping("/limited")
		String limited() {
			return "ok";
		}

		@GetMapping("/slow")
		String slow() throws InterruptedException {
			Thread.sleep(5_000); // interrupted at the 300 ms deadline
			return "late";
		}

		@GetMapping("/tiny")
		String tiny() throws Exception {
			CountDownLatch release = new CountDownLatch(1);
			CompletableFuture<Void> first = this.tiny.submit("blocker", () -> {
				try {
					release.await(10, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			try {
				this.tiny.submit("refused", () -> {
				}); // no queue, the only worker busy: PoolFullException, answered 503
				return "accepted";
			}
			finally {
				release.countDown();
				first.get(10, TimeUnit.SECONDS);
			}
		}

	}

	@RestController
	static class WorkController {

		final Map<String, Seen> seen = new ConcurrentHashMap<>();

		private final WorkerPool jobs;

		private final TaskGroups taskGroups;

		private final Tracer tracer;

		private final ObservationRegistry observations;

		WorkController(WorkerPool jobs, TaskGroups taskGroups, Tracer tracer, ObservationRegistry observations) {
			this.jobs = jobs;
			this.taskGroups = taskGroups;
			this.tracer = tracer;
			this.observations = observations;
		}

		@GetMapping("/work")
		String work() throws Exception {
			MDC.put("user", "ada");
			try {
				try (TaskGroup group = this.taskGroups.open()) {
					group.fork(() -> this.seen.put("subtask-1", look()));
					group.fork(() -> this.seen.put("subtask-2", look()));
					group.join();
				}
				CompletableFuture<Void> task = this.jobs.submit("welcome",
						(Runnable) () -> this.seen.put("task", look()));
				task.get(10, TimeUnit.SECONDS);
				return "done";
			}
			finally {
				MDC.remove("user");
			}
		}

		Seen look() {
			Map<String, String> mdc = MDC.getCopyOfContextMap();
			Span span = this.tracer.currentSpan();
			Observation observation = this.observations.getCurrentObservation();
			ObservationView parent = (observation != null) ? observation.getContextView().getParentObservation() : null;
			Optional<Deadline> deadline = Deadline.current();
			return new Seen(Thread.currentThread().getName(), (mdc != null) ? mdc : Map.of(),
					(span != null) ? span.context().traceId() : null,
					(parent != null) ? parent.getContextView().getName() : null, deadline.isPresent());
		}

	}

}
