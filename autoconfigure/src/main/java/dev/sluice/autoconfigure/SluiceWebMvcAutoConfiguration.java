package dev.sluice.autoconfigure;

import dev.sluice.concurrency.InvocationRejectedExceptionResolver;
import dev.sluice.deadline.DeadlineExceptionResolver;
import dev.sluice.pool.PoolFullExceptionResolver;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Spring MVC answers for Sluice's exceptions thrown out of a handler: each capability's
 * own resolver (a full pool, a method at its concurrency limit, a passed deadline).
 * Registered whether or not the capability's filter is on: a task group's deadline or a
 * pool exists without them.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
@EnableConfigurationProperties(SluiceDeadlineProperties.class)
public final class SluiceWebMvcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	PoolFullExceptionResolver sluicePoolFullExceptionResolver() {
		return new PoolFullExceptionResolver();
	}

	@Bean
	@ConditionalOnMissingBean
	InvocationRejectedExceptionResolver sluiceInvocationRejectedExceptionResolver() {
		return new InvocationRejectedExceptionResolver();
	}

	@Bean
	@ConditionalOnMissingBean
	DeadlineExceptionResolver sluiceDeadlineExceptionResolver(SluiceDeadlineProperties properties) {
		return new DeadlineExceptionResolver(properties.getStatus());
	}

}
