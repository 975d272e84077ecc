package dev.sluice.autoconfigure;

import dev.sluice.web.SluiceHandlerExceptionResolver;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * Spring MVC answers for Sluice's exceptions (a full pool, a passed deadline).
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(DispatcherServlet.class)
public final class SluiceWebMvcAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SluiceHandlerExceptionResolver sluiceHandlerExceptionResolver(Environment environment) {
		return new SluiceHandlerExceptionResolver(environment.getProperty("sluice.deadline.status", Integer.class, 504));
	}

}
