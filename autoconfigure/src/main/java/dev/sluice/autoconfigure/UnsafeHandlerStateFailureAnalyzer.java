package dev.sluice.autoconfigure;

import dev.sluice.safety.HandlerSafetyFinding;
import dev.sluice.safety.UnsafeHandlerStateException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports, in {@code sluice.handler-safety.mode=fail}, every singleton bean field found
 * holding shared mutable state without protection, with the fix for each.
 */
class UnsafeHandlerStateFailureAnalyzer extends AbstractFailureAnalyzer<UnsafeHandlerStateException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnsafeHandlerStateException cause) {
		StringBuilder description = new StringBuilder();
		description.append(String.format("Singleton beans hold shared mutable state without protection "
				+ "(sluice.handler-safety.mode=fail), %d finding(s):%n", cause.getFindings().size()));
		for (HandlerSafetyFinding finding : cause.getFindings()) {
			description.append(String.format("%n    - %s", finding.describe()));
		}
		description.append(String.format("%n"));
		String action = "Apply the fix named for each field. A field guarded by other means can be annotated "
				+ "@GuardedBy or its class @ThreadSafe (an annotation of that name from any package). "
				+ "Set sluice.handler-safety.mode=warn to start anyway, or sluice.handler-safety.packages to "
				+ "choose which packages are inspected.";
		return new FailureAnalysis(description.toString(), action, cause);
	}

}
