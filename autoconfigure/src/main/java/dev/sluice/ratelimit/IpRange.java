package dev.sluice.ratelimit;

import java.net.InetAddress;
import java.net.UnknownHostException;

import org.jspecify.annotations.Nullable;

/**
 * An address range in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/8}) or a single
 * address, IPv4 or IPv6.
 */
public final class IpRange {

	private final byte[] network;

	private final int prefixLength;

	private IpRange(byte[] network, int prefixLength) {
		this.network = network;
		this.prefixLength = prefixLength;
	}

	/**
	 * Parses a range.
	 * @param cidr an address or {@code address/prefix}
	 * @return the range
	 * @throws IllegalArgumentException if it is not a literal address with a prefix that
	 * fits it
	 */
	public static IpRange parse(String cidr) {
		int slash = cidr.indexOf('/');
		String address = (slash < 0) ? cidr.trim() : cidr.substring(0, slash).trim();
		byte[] bytes = literal(address);
		if (bytes == null) {
			throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address");
		}
		int prefix = bytes.length * 8;
		if (slash >= 0) {
			try {
				prefix = Integer.parseInt(cidr.substring(slash + 1).trim());
			}
			catch (NumberFormatException ex) {
				throw new IllegalArgumentException("prefix length of '" + cidr + "' is not a number");
			}
			if (prefix < 0 || prefix > bytes.length * 8) {
				throw new IllegalArgumentException("prefix length of '" + cidr + "' must be 0 to " + bytes.length * 8);
			}
		}
		return new IpRange(bytes, prefix);
	}

	/**
	 * Whether an address is in the range.
	 * @param address the address's bytes
	 * @return {@code true} if it is
	 */
	public boolean contains(byte[] address) {
		if (address == null || address.length != this.network.length) {
			return false;
		}
		int full = this.prefixLength / 8;
		for (int i = 0; i < full; i++) {
			if (address[i] != this.network[i]) {
				return false;
			}
		}
		int rest = this.prefixLength % 8;
		if (rest == 0) {
			return true;
		}
		int mask = (0xFF << (8 - rest)) & 0xFF;
		return (address[full] & mask) == (this.network[full] & mask);
	}

	/**
	 * The bytes of a literal IPv4 or IPv6 address, without any name lookup.
	 * @param address the text: dotted decimal IPv4, or IPv6 (brackets and zone ids are
	 * not part of it)
	 * @return the bytes; {@code null} if it is not a literal address
	 */
	static byte @Nullable [] literal(String address) {
		if (address.isEmpty() || address.length() > 45) {
			return null;
		}
		if (address.indexOf(':') < 0) {
			return ipv4(address);
		}
		for (int i = 0; i < address.length(); i++) {
			char c = address.charAt(i);
			boolean hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
			if (!hex && c != ':' && c != '.') {
				return null;
			}
		}
		try {
			// between brackets the JDK reads an IPv6 literal or fails; without them, text
			// it cannot read as a
			// literal (".:", "1.2.3.256") is looked up as a host name, a DNS query per
			// forwarded hop
			return InetAddress.getByName("[" + address + "]").getAddress();
		}
		catch (UnknownHostException | IllegalArgumentException ex) {
			return null;
		}
	}

	/** Four dot-separated decimal parts of one to three digits, each at most 255. */
	private static byte[] ipv4(String address) {
		byte[] bytes = new byte[4];
		int part = 0;
		int value = 0;
		int digits = 0;
		for (int i = 0; i <= address.length(); i++) {
			char c = (i < address.length()) ? address.charAt(i) : '.';
			if (c == '.') {
				if (digits == 0 || part == 4) {
					return null;
				}
				bytes[part++] = (byte) value;
				value = 0;
				digits = 0;
			}
			else if (c >= '0' && c <= '9' && digits < 3) {
				value = value * 10 + (c - '0');
				digits++;
				if (value > 255) {
					return null;
				}
			}
			else {
				return null;
			}
		}
		return (part == 4) ? bytes : null;
	}

}
