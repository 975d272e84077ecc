package dev.sluice.web;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * The request's path within the application, parsed once per request and shared by
 * Sluice's filters and Spring MVC (through the request attribute of
 * {@link ServletRequestPathUtils}).
 */
public final class RequestPaths {

	private RequestPaths() {
	}

	/**
	 * The parsed path of a request, parsing and caching it on first use.
	 * @param request the request
	 * @return the path within the application
	 */
	public static PathContainer of(HttpServletRequest request) {
		if (ServletRequestPathUtils.hasParsedRequestPath(request)) {
			return ServletRequestPathUtils.getParsedRequestPath(request).pathWithinApplication();
		}
		return ServletRequestPathUtils.parseAndCache(request).pathWithinApplication();
	}

}
