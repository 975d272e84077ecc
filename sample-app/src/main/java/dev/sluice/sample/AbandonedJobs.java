package dev.sluice.sample;

import dev.sluice.shutdown.AbandonedTaskHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Where a real application would persist work that could not finish before shutdown; the
 * sample logs it.
 */
@Configuration(proxyBeanMethods = false)
class AbandonedJobs {

	private static final Logger logger = LoggerFactory.getLogger(AbandonedJobs.class);

	@Bean
	AbandonedTaskHandler logAbandonedJobs() {
		return (task) -> logger.warn("Would re-queue job {} of pool {} on the next start", task.taskId(), task.pool());
	}

}
