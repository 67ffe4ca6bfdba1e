// sqlite3 is built from source here (.npmrc: build-from-source; no prebuilt binary is reachable). Its build is
// the same with these settings, minus some 170 lines of compiler warnings and node-gyp's progress on install.
module.exports = {
  hooks: {
    updateConfig(config) {
      config.extraEnv = { ...config.extraEnv, CFLAGS: '-w', CXXFLAGS: '-w', npm_config_loglevel: 'error' };
      return config;
    },
  },
};
