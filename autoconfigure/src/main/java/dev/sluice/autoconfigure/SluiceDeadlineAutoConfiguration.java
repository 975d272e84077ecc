package dev.sluice.autoconfigure;

import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.sluice.deadline.DeadlineClientHttpRequestFactory;
import dev.sluice.deadline.DeadlineClientHttpRequestInitializer;
import dev.sluice.deadline.DeadlineClientInterceptor;
import dev.sluice.deadline.DeadlineDataSource;
import dev.sluice.deadline.DeadlineExchangeFilterFunction;
import dev.sluice.deadline.DeadlineFilter;
import dev.sluice.deadline.DeadlineRoutes;
import dev.sluice.deadline.DeadlineWatchdog;
import dev.sluice.deadline.InboundBudgets;
import dev.sluice.web.FilterOrders;
import io.grpc.ClientInterceptor;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.DispatcherType;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.util.StringUtils;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * One deadline per request ({@code sluice.deadline}), passed down to {@code RestClient} /
 * {@code RestTemplate} / {@code WebClient} calls, Spring gRPC client calls, JDBC
 * statements, task groups and worker pools that inherit it.
 */
@AutoConfiguration(afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "sluice.deadline.enabled", matchIfMissing = true)
@EnableConfigurationProperties(SluiceDeadlineProperties.class)
public final class SluiceDeadlineAutoConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	DeadlineWatchdog sluiceDeadlineWatchdog() {
		return new DeadlineWatchdog();
	}

	private static String header(SluiceDeadlineProperties properties) {
		return StringUtils.hasText(properties.getHeader()) ? properties.getHeader() : null;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass({ FilterRegistrationBean.class, WebMvcConfigurer.class })
	static class ServletDeadlineConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DeadlineRoutes sluiceDeadlineRoutes(SluiceDeadlineProperties properties,
				ObjectProvider<MeterRegistry> meterRegistry) {
			Validation.positive("sluice.deadline.default-timeout", properties.getDefaultTimeout());
			if (properties.getStatus() != 503 && properties.getStatus() != 504) {
				throw new InvalidSluiceConfigurationException("sluice.deadline.status", properties.getStatus(),
						"must be 504 or 503", "Set sluice.deadline.status to 504 (the default) or 503.");
			}
			List<DeadlineRoutes.RouteSpec> routes = new ArrayList<>();
			for (int i = 0; i < properties.getRoutes().size(); i++) {
				SluiceDeadlineProperties.Route route = properties.getRoutes().get(i);
				String prefix = "sluice.deadline.routes[" + i + "].";
				Validation.positive(prefix + "timeout", route.getTimeout());
				if (route.getPaths().isEmpty()) {
					throw new InvalidSluiceConfigurationException(prefix + "paths", "[]", "must not be empty",
							"List the path patterns of the route under " + prefix + "paths.");
				}
				routes.add(new DeadlineRoutes.RouteSpec(PathPatterns.parseAll(prefix + "paths", route.getPaths()),
						route.getTimeout()));
			}
			return new DeadlineRoutes(routes, properties.getDefaultTimeout(), meterRegistry.getIfUnique());
		}

		@Bean
		@ConditionalOnMissingBean
		DeadlineFilter sluiceDeadlineFilter(SluiceDeadlineProperties properties, DeadlineRoutes routes,
				DeadlineWatchdog watchdog) {
			return new DeadlineFilter(routes, watchdog, inboundBudgets(properties), properties.isInterrupt(),
					properties.getStatus(), properties.isMdc());
		}

		private static InboundBudgets inboundBudgets(SluiceDeadlineProperties properties) {
			List<String> entries = properties.getInboundHeaders();
			if (entries.isEmpty()) {
				String header = header(properties);
				return (header != null) ? InboundBudgets.of(List.of(header)) : InboundBudgets.none();
			}
			for (int i = 0; i < entries.size(); i++) {
				try {
					InboundBudgets.Header.parse(entries.get(i));
				}
				catch (IllegalArgumentException ex) {
					throw new InvalidSluiceConfigurationException("sluice.deadline.inbound-headers[" + i + "]",
							entries.get(i), ex.getMessage(),
							"Write a header name, optionally followed by :ms (milliseconds, the default) or "
									+ ":grpc (the grpc-timeout format), such as x-envoy-expected-rq-timeout-ms.");
				}
			}
			return InboundBudgets.of(entries);
		}

		@Bean
		FilterRegistrationBean<DeadlineFilter> sluiceDeadlineFilterRegistration(DeadlineFilter filter) {
			FilterRegistrationBean<DeadlineFilter> registration = new FilterRegistrationBean<>(filter);
			registration.setOrder(FilterOrders.DEADLINE);
			registration.setName("sluiceDeadlineFilter");
			registration.setDispatcherTypes(DispatcherType.REQUEST); // once per request,
																		// not again on
																		// async or error
			registration.setEnabled(false); // a stage of the request filter
											// (SluiceRequestPathAutoConfiguration)
			return registration;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RestClientCustomizer.class)
	static class RestClientDeadlineConfiguration {

		@Bean
		DeadlineClientHttpRequestInitializer sluiceDeadlineClientHttpRequestInitializer(
				SluiceDeadlineProperties properties) {
			return new DeadlineClientHttpRequestInitializer(header(properties));
		}

		@Bean
		RestClientCustomizer sluiceDeadlineRestClientCustomizer(DeadlineClientHttpRequestInitializer initializer) {
			return (builder) -> builder.requestInitializer(initializer);
		}

		@Bean
		RestTemplateCustomizer sluiceDeadlineRestTemplateCustomizer(DeadlineClientHttpRequestInitializer initializer) {
			return (restTemplate) -> restTemplate.getClientHttpRequestInitializers().add(initializer);
		}

		/**
		 * Wraps Spring Boot's request factory builder, which the
		 * {@code RestClient.Builder} and {@code RestTemplateBuilder} it configures build
		 * their factories with, so that every call made under a deadline is cut when the
		 * deadline passes (the read-timeout clamp).
		 * @param watchdog the watchdog that cuts calls
		 * @return the post-processor
		 */
		@Bean
		static BeanPostProcessor sluiceDeadlineRequestFactoryBuilderPostProcessor(
				ObjectProvider<DeadlineWatchdog> watchdog) {
			return new BeanPostProcessor() {
				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					if (bean instanceof ClientHttpRequestFactoryBuilder<?> builder) {
						return (ClientHttpRequestFactoryBuilder<ClientHttpRequestFactory>) (settings) -> {
							ClientHttpRequestFactory factory = builder.build(settings);
							return (factory instanceof DeadlineClientHttpRequestFactory) ? factory
									: new DeadlineClientHttpRequestFactory(factory, watchdog.getObject());
						};
					}
					return bean;
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClient.class, WebClientCustomizer.class })
	static class WebClientDeadlineConfiguration {

		@Bean
		@ConditionalOnMissingBean
		DeadlineExchangeFilterFunction sluiceDeadlineExchangeFilterFunction(SluiceDeadlineProperties properties) {
			return new DeadlineExchangeFilterFunction(header(properties));
		}

		@Bean
		WebClientCustomizer sluiceDeadlineWebClientCustomizer(DeadlineExchangeFilterFunction filter) {
			return filter.customization()::accept;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ClientInterceptor.class, GlobalClientInterceptor.class })
	static class GrpcClientDeadlineConfiguration {

		@Bean
		@GlobalClientInterceptor
		@ConditionalOnMissingBean
		DeadlineClientInterceptor sluiceDeadlineClientInterceptor() {
			return new DeadlineClientInterceptor();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ DataSource.class, DelegatingDataSource.class })
	static class DataSourceDeadlineConfiguration {

		@Bean
		static BeanPostProcessor sluiceDeadlineDataSourcePostProcessor() {
			return new BeanPostProcessor() {
				@Override
				public Object postProcessAfterInitialization(Object bean, String beanName) {
					if (bean instanceof DataSource dataSource && !(bean instanceof DeadlineDataSource)) {
						return new DeadlineDataSource(dataSource);
					}
					return bean;
				}
			};
		}

	}

}
