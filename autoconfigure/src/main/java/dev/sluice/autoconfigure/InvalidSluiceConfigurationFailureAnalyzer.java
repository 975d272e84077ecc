package dev.sluice.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports a bad {@code sluice.*} value at start-up: which property, what was wrong, how
 * to fix it.
 */
class InvalidSluiceConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSluiceConfigurationException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidSluiceConfigurationException cause) {
		String description = String.format(
				"Invalid Sluice configuration:%n%n    Property: %s%n    Value: %s%n    Reason: %s%n",
				cause.getProperty(), cause.getValue(), cause.getReason());
		return new FailureAnalysis(description, cause.getAction(), cause);
	}

}
