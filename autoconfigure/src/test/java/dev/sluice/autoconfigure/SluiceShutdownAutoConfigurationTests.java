package dev.sluice.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import dev.sluice.pool.WorkerPool;
import dev.sluice.shutdown.AbandonedTask;
import dev.sluice.shutdown.AbandonedTaskHandler;
import dev.sluice.shutdown.GracefulShutdown;
import dev.sluice.shutdown.InFlightRequests;
import dev.sluice.shutdown.TomcatConnectorDrain;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceShutdownAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(AutoConfigurations
		.of(SluiceAutoConfiguration.class, SluicePoolsAutoConfiguration.class, SluiceShutdownAutoConfiguration.class));

	@Test
	void shutdownIsOrderedByDefaultAndCanBeSwitchedOff() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(GracefulShutdown.class));
		this.runner.withPropertyValues("sluice.shutdown.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(GracefulShutdown.class));
	}

	@Test
	void inAServletApplicationOnTomcatTheConnectorDrainIsOnUnlessShutdownIsImmediate() {
		WebApplicationContextRunner web = new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(SluiceShutdownAutoConfiguration.class));
		web.run((context) -> assertThat(context).hasSingleBean(TomcatConnectorDrain.class)
			.hasSingleBean(InFlightRequests.class));
		web.withPropertyValues("server.shutdown=immediate")
			.run((context) -> assertThat(context).doesNotHaveBean(TomcatConnectorDrain.class));
		web.withClassLoader(new FilteredClassLoader(Tomcat.class))
			.run((context) -> assertThat(context).doesNotHaveBean(TomcatConnectorDrain.class));
		this.runner.run((context) -> assertThat(context).doesNotHaveBean(TomcatConnectorDrain.class));
	}

	@Test
	void badTimeoutsFailAtStartUpNamingTheProperty() {
		this.runner.withPropertyValues("sluice.shutdown.timeout=0s")
			.run((context) -> assertThat(context).getFailure()
				.hasRootCauseMessage(
						"Invalid value 'PT0S' for property 'sluice.shutdown.timeout': must be greater than 0"));
		this.runner.withPropertyValues("sluice.shutdown.readiness-delay=-1s")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("sluice.shutdown.readiness-delay"));
	}

	@Test
	void tasksLeftByATooShortDrainAreExactlyTheOnesHandedToEveryHandlerWithTheirIds() {
		Handlers handlers = new Handlers();
		List<String> completed = new CopyOnWriteArrayList<>();
		MeterRegistry registry = new SimpleMeterRegistry();
		this.runner.withPropertyValues("sluice.pools.jobs.size=1", "sluice.pools.jobs.drain-timeout=250ms")
			.withBean("first", AbandonedTaskHandler.class, () -> handlers.first::add)
			.withBean("second", AbandonedTaskHandler.class, () -> handlers.second::add)
			.withBean(MeterRegistry.class, () -> registry)
			.run((context) -> {
				WorkerPool jobs = context.getBean("jobs", WorkerPool.class);
				for (int i = 0; i < 10; i++) {
					String id = "job-" + i;
					jobs.submit(id, () -> {
						Thread.sleep(100);
						completed.add(id);
						return null;
					});
				}
			});
		List<String> reported = handlers.first.stream().map(AbandonedTask::taskId).toList();
		assertThat(reported).isNotEmpty().doesNotContainAnyElementsOf(completed);
		assertThat(handlers.second).containsExactlyElementsOf(handlers.first);
		assertThat(handlers.first).allSatisfy((task) -> {
			assertThat(task.pool()).isEqualTo("jobs");
			assertThat(task.task()).isInstanceOf(java.util.concurrent.Callable.class);
		});
		List<String> all = new ArrayList<>(completed);
		all.addAll(reported);
		assertThat(all)
			.containsExactlyInAnyOrderElementsOf(IntStream.range(0, 10).mapToObj((i) -> "job-" + i).toList());
		for (AbandonedTask.Reason reason : AbandonedTask.Reason.values()) {
			assertThat(registry.get("sluice.shutdown.tasks")
				.tags("outcome", "abandoned", "reason", reason.tagValue())
				.counter()
				.count()).as(reason.tagValue())
				.isEqualTo(handlers.first.stream().filter((task) -> task.reason() == reason).count());
		}
	}

	static class Handlers {

		final List<AbandonedTask> first = new CopyOnWriteArrayList<>();

		final List<AbandonedTask> second = new CopyOnWriteArrayList<>();

	}

}
