package dev.sluice.ratelimit;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;

/**
 * The client address a per-IP limit keys on: the socket peer, or, only when the peer is a trusted proxy, the
 * right-most address of {@code X-Forwarded-For} / {@code Forwarded} that is not itself a trusted proxy. A client
 * can therefore never pick its own key by sending these headers.
 */
public final class ClientIpResolver {

	private static final int MAX_HEADER_LENGTH = 4096;

	private final List<IpRange> trustedProxies;

	/**
	 * Creates the resolver.
	 * @param trustedProxies the ranges whose forwarding headers are believed
	 */
	public ClientIpResolver(List<IpRange> trustedProxies) {
		this.trustedProxies = List.copyOf(trustedProxies);
	}

	/**
	 * The client address of a request.
	 * @param request the request
	 * @return the address as text
	 */
	public String resolve(HttpServletRequest request) {
		String peer = request.getRemoteAddr();
		if (this.trustedProxies.isEmpty() || !isTrusted(IpRange.literal(stripBrackets(peer)))) {
			return peer;
		}
		String fromForwarded = rightmostUntrusted(request.getHeader("Forwarded"), true);
		if (fromForwarded != null) {
			return fromForwarded;
		}
		String fromXff = rightmostUntrusted(request.getHeader("X-Forwarded-For"), false);
		return (fromXff != null) ? fromXff : peer;
	}

	private String rightmostUntrusted(String header, boolean forwarded) {
		if (header == null || header.isEmpty() || header.length() > MAX_HEADER_LENGTH) {
			return null;
		}
		String[] hops = header.split(",");
		for (int i = hops.length - 1; i >= 0; i--) {
			String hop = forwarded ? forwardedFor(hops[i]) : hops[i].trim();
			if (hop == null) {
				return null;
			}
			byte[] address = IpRange.literal(stripBrackets(hop));
			if (address == null) {
				return null; // a hop we cannot read: stop rather than trust what lies beyond it
			}
			if (!isTrusted(address)) {
				return stripBrackets(hop);
			}
		}
		return null;
	}

	/** The address of a {@code Forwarded} element's {@code for=} parameter, without port or quotes. */
	private static String forwardedFor(String element) {
		for (String pair : element.split(";")) {
			String trimmed = pair.trim();
			if (trimmed.regionMatches(true, 0, "for=", 0, 4)) {
				String value = trimmed.substring(4).trim();
				if (value.startsWith("\"") && value.endsWith("\"") && value.length() >= 2) {
					value = value.substring(1, value.length() - 1);
				}
				if (value.startsWith("[")) {
					int end = value.indexOf(']');
					return (end > 0) ? value.substring(1, end) : null;
				}
				int colon = value.indexOf(':');
				return (colon >= 0 && value.indexOf(':', colon + 1) < 0) ? value.substring(0, colon) : value;
			}
		}
		return null;
	}

	private static String stripBrackets(String address) {
		return (address.startsWith("[") && address.endsWith("]")) ? address.substring(1, address.length() - 1)
				: address;
	}

	private boolean isTrusted(byte[] address) {
		for (IpRange range : this.trustedProxies) {
			if (range.contains(address)) {
				return true;
			}
		}
		return false;
	}

}
