package dev.sluice.ratelimit;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes CIDR parsing (operators type the trusted proxies) and the literal-address parser
 * that also reads every hop of a forwarding header a client sends. Regression mode runs
 * the inputs under
 * {@code src/test/resources/dev/sluice/ratelimit/IpRangeFuzzTestsInputs}; see FUZZING.md
 * for fuzzing mode.
 */
class IpRangeFuzzTests {

	static {
		// the first parse loads and initialises InetAddress: not part of any one input's
		// time
		IpRange.literal("2001:db8::1");
		reference("2001:db8::1");
	}

	/**
	 * A literal is read exactly as a reference parser reads it (IPv4 dotted decimal, IPv6
	 * as the JDK reads a bracketed literal, which it never looks up), is never looked up
	 * as a host name.
	 */
	@FuzzTest(maxDuration = "10m")
	void literalAddresses(FuzzedDataProvider data) {
		String text = data.consumeRemainingAsString();
		byte[] bytes = IpRange.literal(text);
		assertThat(bytes).as("bytes of '%s'", text).isEqualTo(reference(text));
		assertThat(NameLookups.wasLookedUp(text)).as("'%s' was looked up as a host name", text).isFalse();
	}

	/**
	 * A range either parses or fails with {@link IllegalArgumentException} (which
	 * start-up turns into a failure analysis); a parsed range contains exactly the
	 * addresses whose first {@code prefix} bits match.
	 */
	@FuzzTest(maxDuration = "10m")
	void cidrRanges(FuzzedDataProvider data) {
		byte[] probe = data.consumeBytes(16);
		String cidr = data.consumeRemainingAsString();
		IpRange range;
		try {
			range = IpRange.parse(cidr);
		}
		catch (IllegalArgumentException ex) {
			return;
		}
		int slash = cidr.indexOf('/');
		byte[] network = reference((slash < 0) ? cidr.trim() : cidr.substring(0, slash).trim());
		assertThat(network).as("address of accepted '%s'", cidr).isNotNull();
		int bits = network.length * 8;
		int prefix = (slash < 0) ? bits : Integer.parseInt(cidr.substring(slash + 1).trim());
		assertThat(prefix).isBetween(0, bits);
		assertThat(range.contains(network)).isTrue();
		byte[] address = new byte[network.length];
		System.arraycopy(probe, 0, address, 0, Math.min(probe.length, address.length));
		assertThat(range.contains(address)).as("%s contains %s", cidr, new BigInteger(1, address).toString(16))
			.isEqualTo(samePrefix(network, address, prefix));
		assertThat(range.contains(new byte[(network.length == 4) ? 16 : 4])).isFalse();
	}

	private static boolean samePrefix(byte[] network, byte[] address, int prefix) {
		int bits = network.length * 8;
		BigInteger mask = BigInteger.ONE.shiftLeft(bits)
			.subtract(BigInteger.ONE)
			.xor(BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE));
		return new BigInteger(1, network).and(mask).equals(new BigInteger(1, address).and(mask));
	}

	/**
	 * An independent reading: strict dotted decimal for IPv4, the JDK's bracketed IPv6
	 * literal otherwise.
	 */
	static byte[] reference(String text) {
		if (text.isEmpty() || text.length() > 45) {
			return null;
		}
		if (text.indexOf(':') < 0) {
			String[] parts = text.split("\\.", -1);
			if (parts.length != 4) {
				return null;
			}
			byte[] bytes = new byte[4];
			for (int i = 0; i < 4; i++) {
				if (!parts[i].matches("[0-9]{1,3}") || Integer.parseInt(parts[i]) > 255) {
					return null;
				}
				bytes[i] = (byte) Integer.parseInt(parts[i]);
			}
			return bytes;
		}
		if (!text.matches("[0-9a-fA-F:.]+")) {
			return null; // no zone ids, no brackets: what a forwarding header's hop may
							// hold
		}
		try {
			return InetAddress.getByName("[" + text + "]").getAddress(); // bracketed: a
																			// literal or
																			// an error
		}
		catch (UnknownHostException ex) {
			return null;
		}
	}

}
