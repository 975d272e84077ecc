package dev.sluice.deadline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The budgets callers state in request headers ({@code sluice.deadline.inbound-headers}):
 * each header holds either milliseconds ({@code X-Request-Timeout-Ms: 250}, Envoy's
 * {@code x-envoy-expected-rq-timeout-ms: 250}) or a duration in the {@code grpc-timeout}
 * format ({@code 250m}: 1 to 8 digits and one of the units {@code H}, {@code M},
 * {@code S}, {@code m}, {@code u}, {@code n}). A value that is malformed, negative, zero
 * or longer than its format allows is ignored, never an error. Pure: no Spring, no
 * servlet types, no state beyond the configured headers.
 * <p>
 * A configuration entry is a header name, read in milliseconds, except
 * {@code grpc-timeout}, which is read in its own format; {@code Name:grpc} and
 * {@code Name:ms} choose the format of any header explicitly.
 */
public final class InboundBudgets {

	/** The header gRPC carries its relative deadline in. */
	public static final String GRPC_TIMEOUT = "grpc-timeout";

	/**
	 * Budgets above this (about 73 years) count as this, so that adding one to a nano
	 * time cannot overflow.
	 */
	static final long MAX_BUDGET_NANOS = Long.MAX_VALUE / 4;

	private static final int MAX_MILLIS_DIGITS = 12;

	private static final int MAX_GRPC_DIGITS = 8;

	private static final InboundBudgets NONE = new InboundBudgets(List.of());

	private final String[] names;

	private final Format[] formats;

	private InboundBudgets(List<Header> headers) {
		this.names = headers.stream().map(Header::name).toArray(String[]::new);
		this.formats = headers.stream().map(Header::format).toArray(Format[]::new);
	}

	/**
	 * The budgets read from the given configuration entries.
	 * @param entries header names, each optionally suffixed {@code :ms} or {@code :grpc}
	 * @return the budgets
	 * @throws IllegalArgumentException if an entry is blank or has an unknown suffix
	 */
	public static InboundBudgets of(List<String> entries) {
		List<Header> headers = new ArrayList<>(entries.size());
		for (String entry : entries) {
			headers.add(Header.parse(entry));
		}
		return new InboundBudgets(headers);
	}

	/**
	 * Reads no header.
	 * @return budgets that never find one
	 */
	public static InboundBudgets none() {
		return NONE;
	}

	/**
	 * The smallest valid budget among the configured headers of a request.
	 * @param headers the request's header values by name (case-insensitive), {@code null}
	 * where absent
	 * @return the budget in nanoseconds (positive, at most about 73 years), or {@code -1}
	 * when no header has a valid one
	 */
	public long budgetNanos(Function<String, String> headers) {
		long smallest = -1;
		for (int i = 0; i < this.names.length; i++) {
			String value = headers.apply(this.names[i]);
			if (value != null) {
				long nanos = parse(value, this.formats[i]);
				if (nanos > 0 && (smallest < 0 || nanos < smallest)) {
					smallest = nanos;
				}
			}
		}
		return smallest;
	}

	/**
	 * The configured headers, in order.
	 * @return the headers
	 */
	public List<Header> headers() {
		List<Header> headers = new ArrayList<>(this.names.length);
		for (int i = 0; i < this.names.length; i++) {
			headers.add(new Header(this.names[i], this.formats[i]));
		}
		return headers;
	}

	/**
	 * Parses one header value.
	 * @param value the value
	 * @param format its format
	 * @return the budget in nanoseconds (zero or positive, at most about 73 years), or
	 * {@code -1} when malformed
	 */
	public static long parse(String value, Format format) {
		return (format == Format.GRPC_TIMEOUT) ? parseGrpcTimeout(value) : parseMillis(value);
	}

	/**
	 * Parses a budget in milliseconds: 1 to 12 ASCII digits, nothing else (no sign, space
	 * or unit).
	 * @param value the value
	 * @return the budget in nanoseconds, or {@code -1} when malformed
	 */
	public static long parseMillis(String value) {
		int length = value.length();
		if (length == 0 || length > MAX_MILLIS_DIGITS) {
			return -1;
		}
		long millis = digits(value, length);
		return (millis < 0) ? -1 : Math.min(millis * 1_000_000L, MAX_BUDGET_NANOS); // 12
																					// digits
																					// never
																					// overflow
	}

	/**
	 * Parses a {@code grpc-timeout} value: 1 to 8 ASCII digits then one unit, {@code H}
	 * (hours), {@code M} (minutes), {@code S} (seconds), {@code m} (milliseconds),
	 * {@code u} (microseconds) or {@code n} (nanoseconds).
	 * @param value the value
	 * @return the budget in nanoseconds, or {@code -1} when malformed
	 */
	public static long parseGrpcTimeout(String value) {
		int length = value.length();
		if (length < 2 || length > MAX_GRPC_DIGITS + 1) {
			return -1;
		}
		long unitNanos = switch (value.charAt(length - 1)) {
			case 'H' -> 3_600_000_000_000L;
			case 'M' -> 60_000_000_000L;
			case 'S' -> 1_000_000_000L;
			case 'm' -> 1_000_000L;
			case 'u' -> 1_000L;
			case 'n' -> 1L;
			default -> -1;
		};
		if (unitNanos < 0) {
			return -1;
		}
		long amount = digits(value, length - 1);
		if (amount < 0) {
			return -1;
		}
		return (amount > MAX_BUDGET_NANOS / unitNanos) ? MAX_BUDGET_NANOS : amount * unitNanos;
	}

	private static long digits(String value, int end) {
		long result = 0;
		for (int i = 0; i < end; i++) {
			char c = value.charAt(i);
			if (c < '0' || c > '9') {
				return -1;
			}
			result = result * 10 + (c - '0');
		}
		return result;
	}

	/** How a header states its budget. */
	public enum Format {

		/** A whole number of milliseconds. */
		MILLIS,

		/** gRPC's {@code <digits><unit>} form. */
		GRPC_TIMEOUT

	}

	/**
	 * One configured header.
	 *
	 * @param name the header name
	 * @param format how it states its budget
	 */
	public record Header(String name, Format format) {

		/**
		 * Parses a configuration entry: {@code Name}, {@code Name:ms} or
		 * {@code Name:grpc}; a bare {@code grpc-timeout} is in the gRPC format.
		 * @param entry the entry
		 * @return the header
		 * @throws IllegalArgumentException if the entry is blank or has an unknown suffix
		 */
		public static Header parse(String entry) {
			String trimmed = (entry != null) ? entry.trim() : "";
			int colon = trimmed.indexOf(':');
			String name = ((colon < 0) ? trimmed : trimmed.substring(0, colon)).trim();
			if (name.isEmpty()) {
				throw new IllegalArgumentException("a header name is required");
			}
			if (colon < 0) {
				return new Header(name, name.equalsIgnoreCase(GRPC_TIMEOUT) ? Format.GRPC_TIMEOUT : Format.MILLIS);
			}
			String suffix = trimmed.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
			return switch (suffix) {
				case "ms" -> new Header(name, Format.MILLIS);
				case "grpc" -> new Header(name, Format.GRPC_TIMEOUT);
				default -> throw new IllegalArgumentException("unknown format '" + suffix + "' (use :ms or :grpc)");
			};
		}

	}

}
