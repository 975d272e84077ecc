package dev.sluice.autoconfigure;

import dev.sluice.actuate.SluiceEndpoint;
import dev.sluice.actuate.SluiceEndpointSection;
import dev.sluice.core.RunningTasks;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@code sluice} Actuator endpoint: an overview of every capability and the running-task view.
 */
@AutoConfiguration(after = SluiceAutoConfiguration.class)
@ConditionalOnClass(Endpoint.class)
@ConditionalOnAvailableEndpoint(SluiceEndpoint.class)
public final class SluiceActuatorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	SluiceEndpoint sluiceEndpoint(ObjectProvider<SluiceEndpointSection> sections, RunningTasks sluiceRunningTasks) {
		return new SluiceEndpoint(sections.orderedStream().toList(), sluiceRunningTasks);
	}

}
