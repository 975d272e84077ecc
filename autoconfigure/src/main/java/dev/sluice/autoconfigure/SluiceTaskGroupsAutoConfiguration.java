package dev.sluice.autoconfigure;

import dev.sluice.core.RunningTasks;
import dev.sluice.core.SluiceThreads;
import dev.sluice.group.TaskGroups;
import dev.sluice.pool.ThreadKind;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@link TaskGroups} bean: errgroup-style fan-out on virtual threads (Java 21+) or a
 * bounded platform pool.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class,
		afterName = {
				"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
				"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
				"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "sluice.task-groups.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SluiceTaskGroupsProperties.class)
public final class SluiceTaskGroupsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TaskGroups taskGroups(SluiceTaskGroupsProperties properties, RunningTasks sluiceRunningTasks,
			ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<ObservationRegistry> observationRegistry) {
		ThreadKind threads = properties.getThreads();
		if (threads == null) {
			threads = SluiceThreads.virtualThreadsAvailable() ? ThreadKind.VIRTUAL : ThreadKind.PLATFORM;
		}
		if (threads == ThreadKind.VIRTUAL) {
			Validation.virtualThreadsAvailable("sluice.task-groups.threads");
		}
		Validation.positive("sluice.task-groups.max-threads", properties.getMaxThreads());
		Validation.notNegative("sluice.task-groups.keep-alive", properties.getKeepAlive());
		TaskGroups taskGroups = new TaskGroups(threads == ThreadKind.VIRTUAL, properties.getMaxThreads(),
				properties.getKeepAlive(), sluiceRunningTasks,
				observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP));
		meterRegistry.ifUnique(taskGroups::bindTo);
		return taskGroups;
	}

}
