package dev.sluice.ratelimit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rule keyed on {@code principal} sees the authenticated user once {@code filter-order}
 * puts the rate-limit filter after authentication (here a stand-in for Spring Security at
 * order -100 that authenticates from a header); a request without a user follows
 * {@code on-missing-key}.
 */
@SpringBootTest(classes = { RateLimitTestApp.class, PrincipalKeyOverHttpTests.Authentication.class },
		webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "sluice.rate-limit.filter-order=-90", "sluice.rate-limit.rules[0].name=per-user",
				"sluice.rate-limit.rules[0].paths=/burst", "sluice.rate-limit.rules[0].key=principal",
				"sluice.rate-limit.rules[0].on-missing-key=reject", "sluice.rate-limit.rules[0].limits[0].capacity=2",
				"sluice.rate-limit.rules[0].limits[0].refill=1", "sluice.rate-limit.rules[0].limits[0].period=1h" })
@DirtiesContext
class PrincipalKeyOverHttpTests {

	private final HttpClient http = HttpClient.newHttpClient();

	@LocalServerPort
	int port;

	@Test
	void eachAuthenticatedUserHasABucketAndAnAnonymousRequestFollowsOnMissingKey() throws Exception {
		assertThat(get("alice")).isEqualTo(200);
		assertThat(get("alice")).isEqualTo(200);
		assertThat(get("alice")).isEqualTo(429);
		assertThat(get("bob")).isEqualTo(200);
		assertThat(get(null)).isEqualTo(401);
	}

	private int get(String user) throws Exception {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + "/burst"));
		if (user != null) {
			request.header("X-Test-User", user);
		}
		return this.http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Authentication {

		@Bean
		FilterRegistrationBean<Filter> testAuthentication() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(new HeaderAuthentication());
			registration.setOrder(-100);
			return registration;
		}

	}

	/**
	 * Authenticates the user named in {@code X-Test-User}, as a security filter chain
	 * would.
	 */
	static class HeaderAuthentication implements Filter {

		@Override
		public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
				throws IOException, ServletException {
			String user = ((HttpServletRequest) request).getHeader("X-Test-User");
			if (user == null) {
				chain.doFilter(request, response);
				return;
			}
			Principal principal = () -> user;
			chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) request) {
				@Override
				public Principal getUserPrincipal() {
					return principal;
				}
			}, response);
		}

	}

}
