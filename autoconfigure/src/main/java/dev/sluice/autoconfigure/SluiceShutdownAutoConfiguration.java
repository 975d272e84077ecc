package dev.sluice.autoconfigure;

import dev.sluice.group.TaskGroups;
import dev.sluice.shutdown.AbandonedTaskHandler;
import dev.sluice.shutdown.GracefulShutdown;
import dev.sluice.shutdown.InFlightRequests;
import dev.sluice.shutdown.TomcatConnectorDrain;
import dev.sluice.web.FilterOrders;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;
import org.apache.catalina.startup.Tomcat;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sluice's ordered graceful shutdown: readiness, readiness delay, web-server drain (with
 * the requests Tomcat's connectors queued), pool drain, task-group cancellation, report
 * of abandoned tasks, summary.
 */
@AutoConfiguration(before = SluicePoolsAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "sluice.shutdown.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SluiceShutdownProperties.class)
public final class SluiceShutdownAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	GracefulShutdown sluiceGracefulShutdown(SluiceShutdownProperties properties,
			ObjectProvider<InFlightRequests> inFlightRequests, ObjectProvider<AbandonedTaskHandler> handlers,
			ObjectProvider<TaskGroups> taskGroups, ObjectProvider<MeterRegistry> meterRegistry) {
		Validation.positive("sluice.shutdown.timeout", properties.getTimeout());
		Validation.notNegative("sluice.shutdown.readiness-delay", properties.getReadinessDelay());
		return new GracefulShutdown(properties.getTimeout(), properties.getReadinessDelay(),
				inFlightRequests.getIfAvailable(), handlers.orderedStream().toList(),
				taskGroups.stream().map((groups) -> (Runnable) groups::cancelAll).toList(),
				meterRegistry.getIfUnique());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass(FilterRegistrationBean.class)
	static class InFlightRequestsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		InFlightRequests sluiceInFlightRequests() {
			return new InFlightRequests();
		}

		@Bean
		FilterRegistrationBean<InFlightRequests> sluiceInFlightRequestsRegistration(InFlightRequests filter) {
			FilterRegistrationBean<InFlightRequests> registration = new FilterRegistrationBean<>(filter);
			registration.setOrder(FilterOrders.RATE_LIMIT);
			registration.setName("sluiceInFlightRequests");
			registration.setDispatcherTypes(DispatcherType.REQUEST); // once per request,
																		// not again on
																		// async or error
			registration.setEnabled(false); // the first stage of the request filter
											// (SluiceRequestPathAutoConfiguration)
			return registration;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass({ Tomcat.class, TomcatConnectorCustomizer.class })
	@ConditionalOnProperty(name = "server.shutdown", havingValue = "graceful", matchIfMissing = true)
	static class TomcatConnectorDrainConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TomcatConnectorDrain sluiceTomcatConnectorDrain(ObjectProvider<GracefulShutdown> gracefulShutdown,
				ObjectProvider<InFlightRequests> inFlightRequests) {
			// Looked up when it stops: a bean dependency would make Spring stop this
			// drain before the shutdown it
			// depends on, i.e. before the readiness delay.
			return new TomcatConnectorDrain(() -> gracefulShutdown.getObject().budgetDeadlineNanos(),
					inFlightRequests.getIfAvailable());
		}

	}

}
