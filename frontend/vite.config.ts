/// <reference types="vitest/config" />
import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const backend = 'http://127.0.0.1:8000'

export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
    __INTLIFY_DROP_MESSAGE_COMPILER__: false,
  },
  // Cornerstone3D (viewer chunk): its codecs are pre-bundled in dev, its decode worker is an ES module.
  optimizeDeps: {
    include: [
      '@cornerstonejs/codec-charls/decodewasmjs',
      '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
      '@cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/codec-openjph/wasmjs',
    ],
  },
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/ws': { target: backend, ws: true, changeOrigin: false },
      '/healthz': { target: backend },
    },
  },
  build: {
    outDir: fileURLToPath(new URL('../src/osteon/static/', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    // Element Plus (only the components registered in src/plugins/element.ts) is one ~600 kB chunk
    // (~195 kB gzip), cached separately; everything else is far below Vite's 500 kB default.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        // Element Plus and ECharts change rarely: their own chunks stay cached across releases.
        codeSplitting: {
          groups: [
            { name: 'element-plus', test: /node_modules[\\/](element-plus|@element-plus|@floating-ui|dayjs|lodash-es|lodash-unified|async-validator|@vueuse|@ctrl|normalize-wheel-es|memoize-one)[\\/]/, priority: 20 },
            { name: 'echarts', test: /node_modules[\\/](echarts|zrender)[\\/]/, priority: 20 },
            { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
    globals: false,
    css: false,
    testTimeout: 20000,
    // Let Vite (not Node) load Element Plus, so its dependencies resolve to their ESM builds as in the
    // browser. Node's CJS interop otherwise hands ElForm a non-constructor async-validator and form
    // validation silently passes in tests.
    server: { deps: { inline: ['element-plus'] } },
  },
})
