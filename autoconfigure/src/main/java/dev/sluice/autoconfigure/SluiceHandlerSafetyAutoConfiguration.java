package dev.sluice.autoconfigure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.sluice.actuate.SluiceEndpointSection;
import dev.sluice.safety.HandlerSafetyCheck;
import dev.sluice.safety.HandlerSafetyFinding;

import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The start-up handler-safety check ({@link HandlerSafetyCheck}) over the application's
 * singleton beans, and its findings as the {@code handlerSafety} section of
 * {@code /actuator/sluice}.
 */
@AutoConfiguration
@EnableConfigurationProperties(SluiceHandlerSafetyProperties.class)
public final class SluiceHandlerSafetyAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	HandlerSafetyCheck sluiceHandlerSafetyCheck(SluiceHandlerSafetyProperties properties,
			ConfigurableListableBeanFactory beanFactory) {
		List<String> packages = properties.getPackages();
		if (packages.isEmpty() && AutoConfigurationPackages.has(beanFactory)) {
			packages = AutoConfigurationPackages.get(beanFactory);
		}
		return new HandlerSafetyCheck(beanFactory, properties.getMode(), packages);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Endpoint.class)
	static class EndpointSectionConfiguration {

		@Bean
		SluiceEndpointSection sluiceHandlerSafetySection(HandlerSafetyCheck sluiceHandlerSafetyCheck) {
			return new SluiceEndpointSection() {

				@Override
				public String name() {
					return "handlerSafety";
				}

				@Override
				public Object describe() {
					Map<String, Object> described = new LinkedHashMap<>();
					described.put("mode", sluiceHandlerSafetyCheck.getMode().name().toLowerCase());
					described.put("packages", sluiceHandlerSafetyCheck.getPackages());
					described.put("findings",
							sluiceHandlerSafetyCheck.getFindings()
								.stream()
								.map(EndpointSectionConfiguration::describe)
								.toList());
					return described;
				}

			};
		}

		private static Map<String, Object> describe(HandlerSafetyFinding finding) {
			Map<String, Object> described = new LinkedHashMap<>();
			described.put("bean", finding.beanName());
			described.put("class", finding.className());
			described.put("field", finding.fieldName());
			described.put("type", finding.type());
			described.put("problem", finding.problem());
			described.put("fix", finding.fix());
			return described;
		}

	}

}
