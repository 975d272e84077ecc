package dev.sluice.autoconfigure;

import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.group.Subtask;
import dev.sluice.group.TaskGroup;
import dev.sluice.group.TaskGroups;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class SluiceTaskGroupsAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(SluiceAutoConfiguration.class, SluiceTaskGroupsAutoConfiguration.class));

	@Test
	void taskGroupsBeanIsThereByDefaultAndCanBeSwitchedOff() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(TaskGroups.class));
		this.runner.withPropertyValues("sluice.task-groups.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TaskGroups.class));
	}

	@Test
	@EnabledForJreRange(max = JRE.JAVA_20)
	void onJava17SubtasksRunOnPlatformThreadsAndVirtualFailsSayingJava21IsNeeded() {
		assertThat(threadOfASubtask()).startsWith("Thread[sluice-group-");
		this.runner.withPropertyValues("sluice.task-groups.threads=virtual")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("sluice.task-groups.threads")
				.hasMessageContaining("Java 21"));
	}

	@Test
	@EnabledForJreRange(min = JRE.JAVA_21)
	void onJava21SubtasksRunOnVirtualThreadsByDefault() {
		assertThat(threadOfASubtask()).startsWith("VirtualThread").contains("sluice-group-");
	}

	@Test
	void maxThreadsMustBePositive() {
		this.runner.withPropertyValues("sluice.task-groups.threads=platform", "sluice.task-groups.max-threads=0")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("sluice.task-groups.max-threads"));
	}

	@Test
	void activeGroupsAreAGauge() {
		MeterRegistry registry = new SimpleMeterRegistry();
		this.runner.withBean(MeterRegistry.class, () -> registry).run((context) -> {
			TaskGroups groups = context.getBean(TaskGroups.class);
			try (TaskGroup group = groups.open()) {
				assertThat(registry.get("sluice.task_groups.active").gauge().value()).isEqualTo(1);
			}
			assertThat(registry.get("sluice.task_groups.active").gauge().value()).isZero();
		});
	}

	private String threadOfASubtask() {
		AtomicReference<String> thread = new AtomicReference<>();
		this.runner.run((context) -> {
			try (TaskGroup group = context.getBean(TaskGroups.class).open()) {
				Subtask<String> name = group.fork(() -> Thread.currentThread().toString());
				group.join();
				thread.set(name.get());
			}
		});
		return thread.get();
	}

}
