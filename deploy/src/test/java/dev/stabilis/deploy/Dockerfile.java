package dev.stabilis.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The repository's Dockerfile, parsed into stages and instructions: enough of the Dockerfile syntax for the checks
 * (line continuations, comments, JSON and shell forms, COPY flags, ENV and ARG with defaults).
 */
final class Dockerfile {

    /** One instruction: keyword (upper case), flags (--from=...), the arguments after the flags, and the raw text. */
    record Instruction(String keyword, Map<String, String> flags, List<String> args, String text) {
    }

    /** A stage: FROM image, its name (AS), and its instructions. */
    record Stage(String image, String name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        /** The last WORKDIR of the stage (absolute), or "/". */
        String workdir() {
            String dir = "/";
            for (Instruction i : all("WORKDIR")) {
                String next = i.args().get(0);
                dir = next.startsWith("/") ? next : dir.replaceAll("/$", "") + "/" + next;
            }
            return dir;
        }

        /** ENV of the stage, KEY=VALUE with quotes removed. */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction i : all("ENV")) {
                Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S*)").matcher(i.text());
                while (m.find()) {
                    env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
                }
            }
            return env;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    final Map<String, String> globalArgs = new LinkedHashMap<>();
    final List<Stage> stages = new ArrayList<>();

    static Dockerfile read(Path path) {
        try {
            return new Dockerfile(Files.readAllLines(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Dockerfile(List<String> lines) {
        List<String> logical = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            logical.add(current.toString().strip());
            current.setLength(0);
        }
        if (!current.isEmpty()) {
            logical.add(current.toString().strip());
        }
        List<Instruction> instructions = null;
        for (String text : logical) {
            if (text.isEmpty()) {
                continue;
            }
            Instruction instruction = parse(text);
            if (instruction.keyword().equals("FROM")) {
                instructions = new ArrayList<>();
                List<String> a = instruction.args();
                String name = a.size() >= 3 && a.get(1).equalsIgnoreCase("AS") ? a.get(2) : null;
                stages.add(new Stage(a.get(0), name, instructions));
            } else if (instructions == null) {
                if (instruction.keyword().equals("ARG")) {
                    String[] kv = instruction.args().get(0).split("=", 2);
                    globalArgs.put(kv[0], kv.length > 1 ? kv[1] : "");
                }
            } else {
                instructions.add(instruction);
            }
        }
    }

    private static Instruction parse(String text) {
        int space = text.indexOf(' ');
        String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
        String rest = space < 0 ? "" : text.substring(space + 1).strip();
        Map<String, String> flags = new LinkedHashMap<>();
        while (rest.startsWith("--")) {
            int end = rest.indexOf(' ');
            String flag = end < 0 ? rest : rest.substring(0, end);
            String[] kv = flag.substring(2).split("=", 2);
            flags.put(kv[0], kv.length > 1 ? kv[1] : "");
            rest = end < 0 ? "" : rest.substring(end + 1).strip();
        }
        List<String> args = new ArrayList<>();
        if (rest.startsWith("[")) {
            try {
                for (JsonNode n : JSON.readTree(rest)) {
                    args.add(n.asText());
                }
            } catch (IOException e) {
                throw new IllegalArgumentException("bad JSON form: " + text, e);
            }
        } else if (!rest.isEmpty()) {
            args.addAll(List.of(rest.split("\\s+")));
        }
        return new Instruction(keyword, flags, args, rest);
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> name.equals(s.name())).findFirst()
                .orElseThrow(() -> new AssertionError("no stage named " + name));
    }

    Stage last() {
        return stages.get(stages.size() - 1);
    }
}
