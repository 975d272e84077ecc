package dev.sluice.ratelimit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Enumeration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * The client address a per-IP limit keys on: the socket peer, or, only when the peer is a
 * trusted proxy, the right-most address of {@code X-Forwarded-For} / {@code Forwarded}
 * (all lines of each) that is not itself a trusted proxy. When both headers are present
 * they must agree, else the peer is the client. A client can therefore never pick its own
 * key by sending these headers.
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
		String forwarded = allLines(request, "Forwarded");
		String xff = allLines(request, "X-Forwarded-For");
		String fromForwarded = (forwarded != null) ? rightmostUntrusted(forwarded, true) : null;
		String fromXff = (xff != null) ? rightmostUntrusted(xff, false) : null;
		if (forwarded != null && xff != null) {
			// a proxy that writes one of the two passes the other on as the client wrote
			// it: believe them only
			// when they agree (a client can then get the proxy's key, never one it chose)
			return (fromForwarded != null && fromForwarded.equals(fromXff)) ? fromForwarded : peer;
		}
		String from = (forwarded != null) ? fromForwarded : fromXff;
		return (from != null) ? from : peer;
	}

	/**
	 * Every line of a header, in order, joined as one list: a proxy may add its own line
	 * after the client's rather than append to it, and the first line alone is then the
	 * client's.
	 * @return the lines; {@code null} when the header is absent or blank
	 */
	private static @Nullable String allLines(HttpServletRequest request, String name) {
		Enumeration<String> lines = request.getHeaders(name);
		if (lines == null) {
			return null;
		}
		String joined = null;
		while (lines.hasMoreElements()) {
			String line = lines.nextElement();
			if (line == null || line.isBlank()) {
				continue;
			}
			joined = (joined != null) ? joined + "," + line : line;
			if (joined.length() > MAX_HEADER_LENGTH) {
				return joined; // too long: read as unreadable, without joining any more
			}
		}
		return joined;
	}

	private String rightmostUntrusted(String header, boolean forwarded) {
		if (header.length() > MAX_HEADER_LENGTH) {
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
				return null; // a hop we cannot read: stop rather than trust what lies
								// beyond it
			}
			if (!isTrusted(address)) {
				return text(address);
			}
		}
		return null;
	}

	/**
	 * The address in the JDK's text form, so that one address is one key however a proxy
	 * wrote it.
	 */
	private static String text(byte[] address) {
		try {
			return InetAddress.getByAddress(address).getHostAddress();
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException(ex); // 4 or 16 bytes from IpRange.literal:
													// cannot happen
		}
	}

	/**
	 * The address of a {@code Forwarded} element's {@code for=} parameter, without port
	 * or quotes.
	 */
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
