import Foundation

/// A database shared by the agents of an ops box lives in a directory owned by their group with the setgid bit
/// (the Debian package's `/var/lib/popsa-ops`, mode 2770): what popsa-ops creates there (the database, its -wal and
/// -shm, the audit anchor) is then readable and writable by that group, and by nobody else. Anywhere else every
/// file stays its owner's only (the umask of 077 set at start).
enum SharedDatabase {
    /// Opens the group's access to new files when `path` is in a shared (setgid) directory; returns whether it did.
    @discardableResult
    static func adoptPermissions(for path: String) -> Bool {
        let directory = (path as NSString).deletingLastPathComponent
        var info = stat()
        guard stat(directory.isEmpty ? "." : directory, &info) == 0, info.st_mode & S_ISGID != 0 else { return false }
        umask(0o007)
        return true
    }

    /// SQLite creates a database (and copies its mode to the -wal and -shm) as 0644 less the umask: in a shared
    /// directory the group must also write, so the files this account owns there are made 0660 after opening.
    static func shareFiles(of path: String) {
        for file in [path, path + "-wal", path + "-shm", path + "-audit-anchor"] {
            var info = stat()
            guard stat(file, &info) == 0, info.st_uid == geteuid() else { continue }
            let mode = (info.st_mode & 0o777 | 0o660) & ~0o007
            if info.st_mode & 0o777 != mode, chmod(file, mode) != 0 {
                Stderr.line("popsa-ops: cannot let the group write \(file): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Why `path` cannot be opened by this account, in words that say what to do, or nil when nothing is wrong
    /// with its permissions.
    static func accessProblem(_ path: String) -> String? {
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        let target = FileManager.default.fileExists(atPath: path) ? path : dir
        guard access(target, R_OK) != 0, errno == EACCES else { return nil }
        var info = stat()
        var group = "GROUP"
        if stat(dir, &info) == 0, let entry = getgrgid(info.st_gid), let name = entry.pointee.gr_name {
            group = String(cString: name)
        }
        return "cannot open \(path): permission denied; the shared database is for the members of the \(group) "
            + "group (an administrator adds you with: sudo adduser \(Operator.current().name) \(group), then you "
            + "log in again)"
    }
}
