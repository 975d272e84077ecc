package dev.sluice.autoconfigure;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;

class InvalidSluiceConfigurationFailureAnalyzerTests {

	@Test
	void analysisNamesThePropertyTheValueAndTheFix() {
		InvalidSluiceConfigurationException cause = new InvalidSluiceConfigurationException("sluice.pools.emails.size",
				0, "must be greater than 0", "Set sluice.pools.emails.size to 1 or more.");
		FailureAnalysis analysis = new InvalidSluiceConfigurationFailureAnalyzer()
			.analyze(new BeanCreationException("emails", "failed", cause));
		assertThat(analysis.getDescription()).contains("sluice.pools.emails.size")
			.contains("Value: 0")
			.contains("must be greater than 0");
		assertThat(analysis.getAction()).isEqualTo("Set sluice.pools.emails.size to 1 or more.");
	}

}
