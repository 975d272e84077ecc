package dev.sluice.deadline;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Applies the current {@link Deadline} to every statement of a {@link DataSource}, the
 * way Spring's {@code TransactionAwareDataSourceProxy} applies a transaction timeout:
 * each statement's query timeout is clamped to the remaining time (rounded up to whole
 * seconds, never 0, which JDBC reads as unlimited), also when {@code JdbcTemplate} sets
 * its own timeout afterwards, and a statement executed after the deadline passed fails
 * with {@link DeadlineExceededException} before it reaches the database. Without a
 * deadline, statements are left as they are.
 */
public class DeadlineDataSource extends DelegatingDataSource implements AutoCloseable {

	/**
	 * Wraps a data source.
	 * @param target the application's data source
	 */
	public DeadlineDataSource(DataSource target) {
		super(target);
	}

	@Override
	public Connection getConnection() throws SQLException {
		return wrap(obtainTargetDataSource().getConnection());
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		return wrap(obtainTargetDataSource().getConnection(username, password));
	}

	/**
	 * Closes the wrapped data source when it can be closed (a connection pool), so
	 * wrapping keeps its shutdown path.
	 * @throws Exception if closing fails
	 */
	@Override
	public void close() throws Exception {
		if (obtainTargetDataSource() instanceof AutoCloseable closeable) {
			closeable.close();
		}
	}

	private static Connection wrap(Connection connection) {
		return (Connection) Proxy.newProxyInstance(DeadlineDataSource.class.getClassLoader(),
				new Class<?>[] { Connection.class }, new ConnectionHandler(connection));
	}

	/**
	 * The query timeout, in whole seconds, that a statement should run with under the
	 * current deadline.
	 * @param requested the timeout the application asked for, 0 for none
	 * @return the clamped timeout, or {@code requested} when there is no deadline
	 */
	static int clampedSeconds(int requested) {
		Optional<Deadline> current = Deadline.current();
		if (current.isEmpty()) {
			return requested;
		}
		long nanos = current.get().remainingNanos();
		int remaining = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (nanos + 999_999_999L) / 1_000_000_000L));
		return (requested > 0) ? Math.min(requested, remaining) : remaining;
	}

	private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
		try {
			return method.invoke(target, args);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	private static final class ConnectionHandler implements InvocationHandler {

		private final Connection target;

		ConnectionHandler(Connection target) {
			this.target = target;
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			switch (method.getName()) {
				case "equals":
					return proxy == args[0];
				case "hashCode":
					return System.identityHashCode(proxy);
				case "unwrap":
					if (((Class<?>) args[0]).isInstance(proxy)) {
						return proxy;
					}
					break;
				case "isWrapperFor":
					if (((Class<?>) args[0]).isInstance(proxy)) {
						return true;
					}
					break;
				default:
					break;
			}
			Object result = DeadlineDataSource.invoke(this.target, method, args);
			if (result instanceof Statement statement) {
				Class<?> type = (result instanceof CallableStatement) ? CallableStatement.class
						: (result instanceof PreparedStatement) ? PreparedStatement.class : Statement.class;
				StatementHandler handler = new StatementHandler(statement);
				handler.applyTimeout();
				return Proxy.newProxyInstance(DeadlineDataSource.class.getClassLoader(), new Class<?>[] { type },
						handler);
			}
			return result;
		}

	}

	private static final class StatementHandler implements InvocationHandler {

		private final Statement target;

		private int requested;

		StatementHandler(Statement target) throws SQLException {
			this.target = target;
			this.requested = target.getQueryTimeout();
		}

		void applyTimeout() throws SQLException {
			int seconds = clampedSeconds(this.requested);
			if (seconds != this.requested) {
				this.target.setQueryTimeout(seconds);
			}
		}

		@Override
		public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
			String name = method.getName();
			if (name.equals("setQueryTimeout")) {
				this.requested = (Integer) args[0];
				this.target.setQueryTimeout(clampedSeconds(this.requested));
				return null;
			}
			if (name.equals("getQueryTimeout")) {
				return this.requested;
			}
			if (name.startsWith("execute")) {
				Optional<Deadline> current = Deadline.current();
				if (current.isPresent() && current.get().isExpired()) {
					throw new DeadlineExceededException("Deadline passed before executing a statement",
							current.get().timeout(), null);
				}
				this.target.setQueryTimeout(clampedSeconds(this.requested));
			}
			if (name.equals("equals")) {
				return proxy == args[0];
			}
			if (name.equals("hashCode")) {
				return System.identityHashCode(proxy);
			}
			return DeadlineDataSource.invoke(this.target, method, args);
		}

	}

}
