package dev.sluice.web;

import java.io.IOException;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.MappingMatch;
import org.jspecify.annotations.Nullable;

/**
 * One request's way through Sluice's {@link RequestStage stages}: each stage passes the
 * request on with {@link #doFilter}, which runs the next stage, and after the last the
 * rest of the servlet filter chain. It also works out, once for every stage that matches
 * paths, where the request's plain path starts in its URI ({@link RequestPathPatterns}).
 * <p>
 * Used by one request thread at a time; never shared between requests.
 */
public final class RequestPass implements FilterChain {

	private static final int UNKNOWN = -2;

	private final RequestStage[] stages;

	private final FilterChain chain;

	private final HttpServletRequest request;

	private int next;

	private int plainPathStart = UNKNOWN;

	private @Nullable String uri;

	private RequestPass(RequestStage[] stages, FilterChain chain, HttpServletRequest request) {
		this.stages = stages;
		this.chain = chain;
		this.request = request;
	}

	/**
	 * Runs one stage on its own, as a capability's own filter does: on the
	 * {@code REQUEST} dispatch of an HTTP request; any other dispatch passes straight
	 * through.
	 * @param stage the stage
	 * @param request the request
	 * @param response the response
	 * @param chain the rest of the filter chain
	 * @throws IOException from the stage or the chain
	 * @throws ServletException from the stage or the chain
	 */
	public static void runAlone(RequestStage stage, ServletRequest request, ServletResponse response, FilterChain chain)
			throws IOException, ServletException {
		run(new RequestStage[] { stage }, request, response, chain);
	}

	static void run(RequestStage[] stages, ServletRequest servletRequest, ServletResponse servletResponse,
			FilterChain chain) throws IOException, ServletException {
		if (!(servletRequest instanceof HttpServletRequest request)
				|| !(servletResponse instanceof HttpServletResponse response)
				|| request.getDispatcherType() != DispatcherType.REQUEST) {
			chain.doFilter(servletRequest, servletResponse);
			return;
		}
		new RequestPass(stages, chain, request).doFilter(request, response);
	}

	/**
	 * Passes the request on: to the next stage, or after the last to the rest of the
	 * filter chain.
	 * @param request the request
	 * @param response the response (a stage may pass on a wrapper)
	 */
	@Override
	public void doFilter(ServletRequest request, ServletResponse response) throws IOException, ServletException {
		if (this.next < this.stages.length) {
			this.stages[this.next++].apply((HttpServletRequest) request, (HttpServletResponse) response, this);
		}
		else {
			this.chain.doFilter(request, response);
		}
	}

	/**
	 * The request the pass started with.
	 * @return the request
	 */
	public HttpServletRequest request() {
		return this.request;
	}

	/**
	 * Where the path within the application starts in the raw request URI, when Spring
	 * would parse that path from the URI and its context path alone and every segment
	 * reads as it is written; {@code -1} otherwise (a servlet mapped to a path prefix,
	 * percent-encoding, path parameters). A pass is a {@code REQUEST} dispatch, never an
	 * include or forward. Worked out on first use.
	 * @return the start, or {@code -1}
	 */
	int plainPathStart() {
		if (this.plainPathStart == UNKNOWN) {
			this.uri = this.request.getRequestURI();
			this.plainPathStart = plainPathStart(this.request, this.uri);
		}
		return this.plainPathStart;
	}

	/**
	 * The raw request URI, once {@link #plainPathStart()} found a plain path in it.
	 * @return the URI
	 */
	String plainUri() {
		return (this.uri != null) ? this.uri : this.request.getRequestURI();
	}

	private static int plainPathStart(HttpServletRequest request, @Nullable String uri) {
		if (uri == null || uri.indexOf('%') >= 0 || uri.indexOf(';') >= 0) {
			return -1;
		}
		HttpServletMapping mapping = request.getHttpServletMapping();
		if (mapping != null && mapping.getMappingMatch() == MappingMatch.PATH) {
			return -1;
		}
		String contextPath = request.getContextPath();
		if (contextPath == null || contextPath.isEmpty()) {
			return 0;
		}
		return uri.startsWith(contextPath) ? contextPath.length() : -1;
	}

}
