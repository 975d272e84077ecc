package dev.sluice.safety;

import java.util.List;

/**
 * Thrown at start-up in {@code fail} mode when singleton beans hold shared mutable state
 * without protection.
 */
public class UnsafeHandlerStateException extends RuntimeException {

	private final List<HandlerSafetyFinding> findings;

	/**
	 * Creates the exception.
	 * @param findings every finding, at least one
	 */
	public UnsafeHandlerStateException(List<HandlerSafetyFinding> findings) {
		super(findings.size() + " singleton bean field(s) hold shared mutable state without protection");
		this.findings = List.copyOf(findings);
	}

	/**
	 * The findings.
	 * @return every finding
	 */
	public List<HandlerSafetyFinding> getFindings() {
		return this.findings;
	}

}
