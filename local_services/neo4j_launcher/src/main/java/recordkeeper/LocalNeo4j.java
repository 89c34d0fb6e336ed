package recordkeeper;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.io.ByteUnit;

/**
 * A local Neo4j Community engine with the Bolt connector on loopback, for development,
 * tests and the demo. Usage: LocalNeo4j HOME_DIR BOLT_PORT PAGE_CACHE_MB.
 * The password comes from the NEO4J_PASSWORD environment variable so it never shows in ps.
 */
public final class LocalNeo4j {
    private LocalNeo4j() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            System.err.println("usage: LocalNeo4j HOME_DIR BOLT_PORT PAGE_CACHE_MB");
            System.exit(2);
        }
        String password = System.getenv("NEO4J_PASSWORD");
        if (password == null || password.length() < 8) {
            System.err.println("NEO4J_PASSWORD must be set and at least 8 characters long");
            System.exit(2);
        }
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(Path.of(args[0]))
            .setConfig(BoltConnector.enabled, true)
            .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", Integer.parseInt(args[1])))
            .setConfig(HttpConnector.enabled, false)
            .setConfig(GraphDatabaseSettings.auth_enabled, true)
            .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(Long.parseLong(args[2])))
            .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }));
        setPassword(dbms, password);
        System.out.println("LocalNeo4j ready on bolt://127.0.0.1:" + args[1]);
        System.out.flush();
        stopped.await();
    }

    // The built-in user starts with a throwaway password that must be changed; set ours on every start
    // so a changed setting takes effect without wiping the data folder.
    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED", Map.of("password", password));
        } catch (QueryExecutionException e) {
            if (!e.getMessage().contains("cannot be the same")) {
                throw e;
            }
        }
    }
}
