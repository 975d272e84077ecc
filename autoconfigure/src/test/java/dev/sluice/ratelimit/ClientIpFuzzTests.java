package dev.sluice.ratelimit;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Test;

import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzes client-address resolution: a client sends whatever {@code Forwarded} and
 * {@code X-Forwarded-For} lines it likes, then zero to three trusted proxies append what
 * they saw, each in one header (appended to its last line, or as a line of its own), and
 * the last proxy is the socket peer. The resolved address must be the peer or the address
 * the first trusted proxy appended: never one the client wrote. Regression mode runs the
 * inputs under {@code src/test/resources/dev/sluice/ratelimit/ClientIpFuzzTestsInputs};
 * see FUZZING.md.
 */
class ClientIpFuzzTests {

	private static final List<IpRange> TRUSTED = List.of(IpRange.parse("10.0.0.0/8"),
			IpRange.parse("2001:db8:ffff::/48"), IpRange.parse("127.0.0.1"));

	private static final ClientIpResolver resolver = new ClientIpResolver(TRUSTED);

	static {
		// the first resolve loads and initialises InetAddress: not part of any one
		// input's time
		resolver.resolve(request("10.0.0.1", "X-Forwarded-For", "2001:db8::1, 192.0.2.1"));
	}

	@FuzzTest(maxDuration = "10m")
	void theClientIsThePeerOrWhatATrustedProxyAppended(FuzzedDataProvider data) throws UnknownHostException {
		byte[] client = data.consumeBoolean() ? data.consumeBytes(4) : data.consumeBytes(16);
		if (client.length != 4 && client.length != 16) {
			return;
		}
		client = InetAddress.getByAddress(client).getAddress(); // ::ffff:a.b.c.d is the
																// IPv4 address a.b.c.d
		if (trusted(client)) {
			return;
		}
		int proxies = data.consumeInt(0, 3);
		boolean proxiesWriteForwarded = data.consumeBoolean();
		boolean ownLines = data.consumeBoolean();
		MockHttpServletRequest request = new MockHttpServletRequest();
		boolean clientWroteHeaders = false;
		for (int i = data.consumeInt(0, 3); i > 0; i--) {
			String name = data.consumeBoolean() ? "Forwarded" : "X-Forwarded-For";
			request.addHeader(name, data.consumeString(data.consumeInt(0, 5000)));
			clientWroteHeaders = true;
		}
		String header = proxiesWriteForwarded ? "Forwarded" : "X-Forwarded-For";
		String seen = text(client); // what the first proxy saw connecting; each next
									// proxy sees the one before
		for (int i = 0; i < proxies; i++) {
			String element = proxiesWriteForwarded ? forwardedElement(seen, data) : xffElement(seen, data);
			List<String> lines = new ArrayList<>();
			request.getHeaders(header).asIterator().forEachRemaining(lines::add);
			if (ownLines || lines.isEmpty()) {
				request.addHeader(header, element);
			}
			else {
				lines.set(lines.size() - 1, lines.get(lines.size() - 1) + ", " + element);
				request.removeHeader(header);
				lines.forEach((line) -> request.addHeader(header, line));
			}
			seen = trustedProxy(data);
		}
		String peer = seen;
		request.setRemoteAddr(peer);

		String resolved = resolver.resolve(request);

		if (proxies == 0) {
			assertThat(resolved).as("the peer %s is not a proxy", peer).isEqualTo(peer);
			return;
		}
		boolean isClient = Arrays.equals(IpRange.literal(resolved), client);
		assertThat(isClient || resolved.equals(peer))
			.as("resolved '%s', but the peer is %s and the client %s; headers %s", resolved, peer, text(client),
					describe(request))
			.isTrue();
		if (!clientWroteHeaders && length(request) <= 4096) {
			assertThat(isClient)
				.as("resolved '%s' from what the proxies wrote, not the client %s", resolved, text(client))
				.isTrue();
		}
	}

	/**
	 * Every hop trusted: the whole header is scanned. Time at 8 times the length grows
	 * about 8 times, not 64.
	 */
	@Test
	void parsingTimeGrowsLinearlyWithTheHeader() {
		for (String header : List.of("X-Forwarded-For", "Forwarded")) {
			String hop = header.equals("Forwarded") ? "for=\"[2001:db8:ffff::7]:8080\";proto=https" : "10.9.8.7";
			MockHttpServletRequest shorter = request("10.0.0.1", header, hops(hop, 500));
			MockHttpServletRequest longer = request("10.0.0.1", header, hops(hop, 4000));
			long shortNanos = fastest(shorter);
			long longNanos = fastest(longer);
			assertThat(longNanos).as("%s: %d ns at 500 characters, %d ns at 4000", header, shortNanos, longNanos)
				.isLessThan(24 * shortNanos + 200_000);
		}
	}

	private static long fastest(MockHttpServletRequest request) {
		long fastest = Long.MAX_VALUE;
		for (int i = 0; i < 200; i++) {
			long start = System.nanoTime();
			assertThat(resolver.resolve(request)).isEqualTo("10.0.0.1");
			fastest = Math.min(fastest, System.nanoTime() - start);
		}
		return fastest;
	}

	private static String hops(String hop, int length) {
		StringBuilder header = new StringBuilder(hop);
		while (header.length() + 2 + hop.length() <= length) {
			header.append(", ").append(hop);
		}
		return header.toString();
	}

	private static MockHttpServletRequest request(String peer, String header, String value) {
		MockHttpServletRequest request = new MockHttpServletRequest();
		request.setRemoteAddr(peer);
		request.addHeader(header, value);
		return request;
	}

	private static String describe(MockHttpServletRequest request) {
		StringBuilder description = new StringBuilder();
		for (String name : List.of("Forwarded", "X-Forwarded-For")) {
			for (String line : Collections.list(request.getHeaders(name))) {
				String shown = (line.length() > 200)
						? line.substring(0, 100) + "..." + line.substring(line.length() - 100) : line;
				description.append("\n  ").append(name).append(": ").append(shown);
			}
		}
		return description.toString();
	}

	private static int length(MockHttpServletRequest request) {
		int length = 0;
		for (String name : List.of("Forwarded", "X-Forwarded-For")) {
			for (String line : Collections.list(request.getHeaders(name))) {
				length += line.length() + 1;
			}
		}
		return length;
	}

	private static String xffElement(String address, FuzzedDataProvider data) {
		return (address.indexOf(':') >= 0 && data.consumeBoolean()) ? "[" + address + "]" : address;
	}

	private static String forwardedElement(String address, FuzzedDataProvider data) {
		boolean v6 = address.indexOf(':') >= 0;
		String value = switch (data.consumeInt(0, 2)) {
			case 0 -> v6 ? "\"[" + address + "]\"" : address;
			case 1 -> "\"" + (v6 ? "[" + address + "]" : address) + ":" + data.consumeInt(1, 65535) + "\"";
			default -> "\"" + (v6 ? "[" + address + "]" : address) + "\"";
		};
		return data.consumeBoolean() ? "for=" + value : "proto=https;for=" + value + ";by=\"[2001:db8:ffff::1]\"";
	}

	private static String trustedProxy(FuzzedDataProvider data) throws UnknownHostException {
		return switch (data.consumeInt(0, 2)) {
			case 0 -> "10." + data.consumeInt(0, 255) + "." + data.consumeInt(0, 255) + "." + data.consumeInt(0, 255);
			case 1 -> text(new byte[] { 0x20, 0x01, 0x0d, (byte) 0xb8, (byte) 0xff, (byte) 0xff, 0, 0, 0, 0, 0, 0, 0, 0,
					0, (byte) data.consumeInt(1, 255) });
			default -> "127.0.0.1";
		};
	}

	private static boolean trusted(byte[] address) {
		return TRUSTED.stream().anyMatch((range) -> range.contains(address));
	}

	private static String text(byte[] address) throws UnknownHostException {
		return InetAddress.getByAddress(address).getHostAddress();
	}

}
