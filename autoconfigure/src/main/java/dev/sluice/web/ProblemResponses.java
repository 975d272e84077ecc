package dev.sluice.web;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Writes RFC 9457 {@code application/problem+json} bodies straight to the servlet
 * response, so filters that refuse a request before Spring MVC runs answer in the same
 * form as handlers do.
 */
public final class ProblemResponses {

	/** The media type of every Sluice error body. */
	public static final String PROBLEM_JSON = "application/problem+json";

	/** Base of the {@code type} URIs Sluice uses. */
	public static final String TYPE_BASE = "https://sluice.dev/problems/";

	/**
	 * The problem type the IETF httpapi RateLimit draft registers for a request that
	 * exceeds one or more quota policies; its {@code violated-policies} member lists
	 * their names.
	 */
	public static final String QUOTA_EXCEEDED_TYPE = "https://iana.org/assignments/http-problem-types#quota-exceeded";

	private ProblemResponses() {
	}

	/**
	 * Writes a problem response; headers set before the call are kept.
	 * @param request the request, whose URI becomes {@code instance}
	 * @param response the response, not yet committed
	 * @param status the HTTP status
	 * @param type the last segment of the {@code type} URI, such as {@code rate-limited}
	 * @param title a short summary of the problem type
	 * @param detail what happened to this request
	 * @param extensions further members, such as {@code rule}; may be empty
	 * @throws IOException if the body cannot be written
	 */
	public static void write(HttpServletRequest request, HttpServletResponse response, int status, String type,
			String title, String detail, Map<String, ?> extensions) throws IOException {
		writeType(request, response, status, TYPE_BASE + type, title, detail, extensions);
	}

	/**
	 * Writes a problem response of a type defined outside Sluice, such as
	 * {@link #QUOTA_EXCEEDED_TYPE}; headers set before the call are kept.
	 * @param request the request, whose URI becomes {@code instance}
	 * @param response the response, not yet committed
	 * @param status the HTTP status
	 * @param typeUri the whole {@code type} URI
	 * @param title a short summary of the problem type
	 * @param detail what happened to this request
	 * @param extensions further members, such as {@code rule}; may be empty
	 * @throws IOException if the body cannot be written
	 */
	public static void writeType(HttpServletRequest request, HttpServletResponse response, int status, String typeUri,
			String title, String detail, Map<String, ?> extensions) throws IOException {
		String body = body(status, typeUri, title, detail, request.getRequestURI(), extensions);
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		response.setStatus(status);
		response.setContentType(PROBLEM_JSON);
		response.setCharacterEncoding(StandardCharsets.UTF_8.name());
		ServletOutputStream out;
		try {
			out = response.getOutputStream();
		}
		catch (IllegalStateException ex) {
			// a handler (a view, say) wrote through getWriter() on time, then its
			// deadline passed before it
			// returned: the writer's encoding is fixed by now, and the problem body goes
			// the same way
			PrintWriter writer = response.getWriter();
			response.setContentLength(body.getBytes(Charset.forName(response.getCharacterEncoding())).length);
			writer.write(body);
			response.flushBuffer();
			return;
		}
		response.setContentLength(bytes.length);
		out.write(bytes);
		response.flushBuffer();
	}

	/**
	 * The JSON text of a problem body.
	 * @param status the HTTP status
	 * @param type the {@code type} URI
	 * @param title the title
	 * @param detail the detail
	 * @param instance the request path
	 * @param extensions further members: strings, numbers, and collections of them (JSON
	 * arrays)
	 * @return the JSON text
	 */
	public static String body(int status, String type, String title, String detail, String instance,
			Map<String, ?> extensions) {
		StringBuilder json = new StringBuilder(160);
		json.append('{');
		member(json, "type", type).append(',');
		member(json, "title", title).append(',');
		json.append("\"status\":").append(status).append(',');
		member(json, "detail", detail).append(',');
		member(json, "instance", instance);
		extensions.forEach((name, value) -> {
			json.append(',');
			quote(json, name).append(':');
			if (value instanceof Collection<?> values) {
				json.append('[');
				boolean first = true;
				for (Object element : values) {
					if (!first) {
						json.append(',');
					}
					first = false;
					value(json, element);
				}
				json.append(']');
			}
			else {
				value(json, value);
			}
		});
		return json.append('}').toString();
	}

	private static void value(StringBuilder json, Object value) {
		if (value instanceof Number number) {
			json.append(number);
		}
		else {
			quote(json, String.valueOf(value));
		}
	}

	private static StringBuilder member(StringBuilder json, String name, String value) {
		quote(json, name).append(':');
		return quote(json, value);
	}

	private static StringBuilder quote(StringBuilder json, String value) {
		json.append('"');
		for (int i = 0; i < value.length(); i++) {
			char c = value.charAt(i);
			switch (c) {
				case '"' -> json.append("\\\"");
				case '\\' -> json.append("\\\\");
				case '\n' -> json.append("\\n");
				case '\r' -> json.append("\\r");
				case '\t' -> json.append("\\t");
				default -> {
					if (c < 0x20) {
						json.append(String.format("\\u%04x", (int) c));
					}
					else {
						json.append(c);
					}
				}
			}
		}
		return json.append('"');
	}

}
