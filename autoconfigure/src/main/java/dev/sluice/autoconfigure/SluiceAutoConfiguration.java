package dev.sluice.autoconfigure;

import dev.sluice.core.RunningTasks;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The parts every Sluice capability shares: the registry of running tasks behind the
 * Actuator task view.
 */
@AutoConfiguration
public final class SluiceAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	RunningTasks sluiceRunningTasks() {
		return new RunningTasks();
	}

}
