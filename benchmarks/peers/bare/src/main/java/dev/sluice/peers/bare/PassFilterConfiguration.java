package dev.sluice.peers.bare;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * For {@code compare-run.sh}'s comparisons {@code pass}, {@code garbage} and {@code nowrap}: with
 * {@code peer.pass-filter.enabled=true}, one servlet filter that passes every request on
 * with its response wrapped, doing nothing else; with
 * {@code peer.pass-filter.garbage-bytes} above 0, the wrapper also holds an array of
 * that many bytes made for the request (held so that the JIT cannot leave it out). What
 * a filter hop with a response wrapper costs a request, and what allocation alone costs
 * beside it: the part of all on's cost that no Sluice frame shows. With
 * {@code peer.pass-filter.wrap=false} (comparison {@code nowrap}) the filter passes the
 * response on as it came.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("peer.pass-filter.enabled")
class PassFilterConfiguration {

	private static final Logger logger = LoggerFactory.getLogger(PassFilterConfiguration.class);

	@Bean
	FilterRegistrationBean<Filter> passFilter(@Value("${peer.pass-filter.garbage-bytes:0}") int garbageBytes,
			@Value("${peer.pass-filter.wrap:true}") boolean wrap) {
		// compare-run.sh checks this line: the server runs the filter it is named for
		logger.warn("peer pass filter on, {} garbage bytes a request, wrap {}", garbageBytes, wrap);
		Filter filter = (garbageBytes > 0) ? new GarbageFilter(garbageBytes)
				: wrap ? PassFilterConfiguration::pass : (request, response, chain) -> chain.doFilter(request, response);
		FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>(filter);
		registration.addUrlPatterns("/*");
		return registration;
	}

	private static void pass(ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		chain.doFilter(request, new Wrapped((HttpServletResponse) response, null));
	}

	private record GarbageFilter(int bytes) implements Filter {

		@Override
		public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
				throws IOException, ServletException {
			chain.doFilter(request, new Wrapped((HttpServletResponse) response, new byte[this.bytes]));
		}

	}

	private static final class Wrapped extends HttpServletResponseWrapper {

		// never read: it only has to live as long as the request
		@SuppressWarnings("unused")
		private final byte[] garbage;

		Wrapped(HttpServletResponse response, byte[] garbage) {
			super(response);
			this.garbage = garbage;
		}

	}

}
