"""Imaging: DICOM store, DIMSE SCP, DICOMweb, links to existing PACS."""
