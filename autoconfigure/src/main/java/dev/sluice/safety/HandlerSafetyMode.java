package dev.sluice.safety;

/**
 * What the start-up handler-safety check does with its findings
 * ({@code sluice.handler-safety.mode}).
 */
public enum HandlerSafetyMode {

	/** Log one warning per finding and start. */
	WARN,

	/** Fail start-up, listing every finding. */
	FAIL,

	/** Do not inspect. */
	OFF

}
